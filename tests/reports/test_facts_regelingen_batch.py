"""The batch path of the regeling facts gives, household by household and column by column,
what the per-household loket gives; income against the social minimum is the year's net income
over the bijstand rule's own norm, unknown where that norm is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from entitlement.batch import (
    batch_month_outcomes,
    batch_year_outcomes,
    coverage_frame,
    evaluate_chunk,
    received_frame,
)
from entitlement.batch_inputs import load_households
from entitlement.household import HouseholdData, load_household
from entitlement.loket import household_outcomes
from entitlement.rules.registry import default_rules
from reports.facts import FACTS_SCHEMA, build_facts
from reports.facts_regelingen import REGELING_COLUMNS, fill_regelingen, household_row
from reports.facts_regelingen_batch import social_minimum_pct
from store.db import make_engine, session_scope
from store.households import NotFoundError
from tests.reports.helpers import demo_database

YEAR = 2024


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch_world")
    # 15 months from January: a whole year 2024 (income against the norm) and statements into
    # 2025 (units judged); 7 households, so a chunk of 3 leaves a partial last chunk
    return demo_database(folder, households=7, months=15, seed=8, first=dt.date(2024, 1, 1))


def loaded(database: Path) -> list[HouseholdData]:
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        facts = build_facts(session, YEAR)
        datas = [load_household(session, code, YEAR) for code in facts.frame["household"]]
    engine.dispose()
    return datas


def _parts(monthly: pl.DataFrame) -> list[list[str]]:
    return [sorted(e.split("; ")) for e in monthly["explanation"].to_list()]


def test_load_households_reads_what_load_household_reads(world_db: Path) -> None:
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        codes = build_facts(session, YEAR).frame["household"].to_list()
        many = load_households(session, [*codes, "GEEN-HUISHOUDEN"], YEAR)
        one = {code: load_household(session, code, YEAR) for code in codes}
        # the statements (2024-01 to 2025-03) say nothing about 2027: nobody, as load_household
        later = load_households(session, codes, 2027)
        with pytest.raises(NotFoundError):
            load_household(session, codes[0], 2027)
    engine.dispose()
    assert later == {}
    assert sorted(many) == sorted(codes)
    for code, want in one.items():
        got = many[code]
        assert (got.code, got.year, got.coverage, got.notes) == (
            want.code, want.year, want.coverage, want.notes
        )  # fmt: skip
        assert got.profiles == want.profiles
        assert got.other_net == want.other_net
        # the same lines; ties within a month (one payer) may be joined in another order
        assert_frame_equal(got.monthly.drop("explanation"), want.monthly.drop("explanation"))
        assert _parts(got.monthly) == _parts(want.monthly)
        assert_frame_equal(got.received, want.received)
        assert_frame_equal(got.decisions, want.decisions)
    assert sum(d.received.height for d in many.values()) > 0
    assert sum(d.monthly.height for d in many.values()) > 0


def test_batch_months_and_years_are_the_loket_s(world_db: Path) -> None:
    rules = default_rules()
    datas = loaded(world_db)
    run = evaluate_chunk(datas, rules)
    months = batch_month_outcomes(
        run.evaluated, coverage_frame(datas), received_frame(datas), rules
    )
    years = batch_year_outcomes(months, rules, YEAR)
    outcomes = [household_outcomes(d, rules) for d in datas]
    keys = ("household", "regeling", "month")
    want_months = pl.concat([o.months.drop("reason_texts") for o in outcomes]).sort(keys)
    assert_frame_equal(months.sort(keys), want_months)
    want_years = pl.concat([o.years for o in outcomes]).sort("household", "regeling")
    assert_frame_equal(years.sort("household", "regeling"), want_years)
    # the comparison saw every kind of month, not only empty ones
    statuses = set(months["status"].to_list())
    assert {"ontvangen", "gemist", "geen recht", "niet berekend"} <= statuses
    assert months["received_cents"].sum() > 0


def test_fill_regelingen_is_household_row_for_every_household_and_column(world_db: Path) -> None:
    rules = default_rules()
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        facts = build_facts(session, YEAR)
        filled, stats = fill_regelingen(session, facts, rules, chunk=3)
        want = [
            household_row(session, code, YEAR, municipality, rules)
            for code, municipality in facts.frame.select("household", "municipality").iter_rows()
        ]
    engine.dispose()
    assert stats.households == filled.frame.height == len(want) == 7
    columns = ["household", "year", *REGELING_COLUMNS, "expected_clawback_cents"]
    schema = {c: FACTS_SCHEMA[c] for c in columns}
    expected = pl.DataFrame(want, schema=schema, orient="row").select(columns)
    assert_frame_equal(filled.frame.select(columns), expected)
    assert filled.frame.select(REGELING_COLUMNS).null_count().sum_horizontal().item() < (
        filled.frame.height * len(REGELING_COLUMNS)
    )
    assert filled.frame["expected_clawback_cents"].null_count() < filled.frame.height


def test_income_against_the_social_minimum_uses_the_bijstand_norm(world_db: Path) -> None:
    rules = default_rules()
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        facts = build_facts(session, YEAR)
        filled, _ = fill_regelingen(session, facts, rules)
    engine.dispose()
    assert filled.available("income_pct_social_minimum")
    assert "bijstand.yaml" in filled.sources["income_pct_social_minimum"]
    norms = {
        d.code: household_outcomes(d, rules).evaluated["bijstand.norm"].to_list()
        for d in loaded(world_db)
    }
    checked = 0
    for row in filled.frame.iter_rows(named=True):
        norm = norms[row["household"]]
        if row["months_observed"] != 12 or any(n is None for n in norm):
            assert row["income_pct_social_minimum"] is None
            continue
        year_norm = sum(round(n * 100) for n in norm)
        pct = row["net_income_year_cents"] * 100 / year_norm
        assert row["income_pct_social_minimum"] == int(pct + 0.5), row["household"]
        checked += 1
    assert checked >= 3


def _evaluated(norms: dict[str, Sequence[float | None]]) -> pl.DataFrame:
    rows = [(h, dt.date(YEAR, m + 1, 1), n) for h, ns in norms.items() for m, n in enumerate(ns)]
    return pl.DataFrame(
        rows, schema={"household": pl.String, "month": pl.Date, "bijstand.norm": pl.Float64},
        orient="row",
    )  # fmt: skip


def test_social_minimum_pct_rounds_and_stays_unknown_without_a_norm() -> None:
    # 2024 alleenstaande: € 15.552,48 a year
    single_2024 = [1283.83 if m < 6 else 1308.45 for m in range(12)]
    evaluated = _evaluated(
        {
            "A": single_2024,
            "B": [*single_2024[:11], None],  # one month's norm not computable (AOW age, 2024)
            "C": single_2024,
            "D": single_2024,
        }
    )
    facts = pl.DataFrame(
        {
            "household": ["A", "B", "C", "D", "E"],
            "year": [YEAR] * 5,
            "net_income_year_cents": [2_000_000, 2_000_000, 2_000_000, 777_624, 2_000_000],
            "months_observed": [12, 12, 11, 12, 12],
        },
        schema_overrides={"year": pl.Int32},
    )
    out = social_minimum_pct(evaluated, facts, default_rules())
    got = dict(zip(out["household"], out["income_pct_social_minimum"], strict=True))
    # A: 20 000 / 15 552,48 = 128.6%; D: 7 776,24 / 15 552,48 = exactly 50%
    assert got == {"A": 129, "B": None, "C": None, "D": 50, "E": None}
    assert out.schema["income_pct_social_minimum"] == pl.Int32
