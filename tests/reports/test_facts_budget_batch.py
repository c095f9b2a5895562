"""The batch path of the household facts gives, household by household and column by column,
what the one-household path gives: the budget and signal facts (against
:func:`reports.facts_budget.household_row`) and the income facts of :func:`build_facts`
(against :func:`store.classification.classified_transactions` per household)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from budget.categories import Rubriek
from budget.classify import RuleMatch
from ingest.profile import Role
from reports.facts import (
    BUDGET_COLUMNS,
    FACTS_SCHEMA,
    SIGNAL_COLUMNS,
    _money_in,
    _profile_for_year,
    build_facts,
    empty_facts,
    household_type,
)
from reports.facts_budget import household_row
from reports.facts_budget_batch import ROW_SCHEMA, budget_rows
from store import bulk
from store.classification import add_rule, classified_transactions
from store.db import make_engine, session_scope
from store.households import create_household, get_household
from store.models import Household, ProfileVersion, Transaction
from store.profiles import profile_history
from store.signal_settings import set_settings
from store.transactions import balance_at_start
from tests.reports.helpers import demo_database

YEARS = (2023, 2024, 2025)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Statements from October 2024 to March 2025, and a few households made unusual: one
    without a profile, one without transactions, one with a coach's rule, margins and a
    deleted transaction."""
    folder = tmp_path_factory.mktemp("world")
    database = demo_database(folder, households=5, months=6, seed=3, first=dt.date(2024, 10, 1))
    copy = folder / "edited.sqlite3"
    shutil.copy(database, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with session_scope(engine) as session:
        codes = _codes(engine)
        create_household(session, "LEEG", "test")  # no transactions, no profile
        no_profile = get_household(session, codes[1])
        session.execute(
            update(ProfileVersion)
            .where(ProfileVersion.household_id == no_profile.id)
            .values(valid_from=dt.date(2025, 2, 15))  # no profile for 2024 nor January 2025
        )
        edited = get_household(session, codes[2])
        tx = session.scalars(
            select(Transaction)
            .where(
                Transaction.household_id == edited.id,
                Transaction.amount_cents < 0,
                Transaction.counterparty_iban.is_not(None),
            )
            .order_by(Transaction.booking_date.desc())
        ).first()
        assert tx is not None
        tx.deleted_at = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
        assert tx.counterparty_iban is not None
        rubriek = Rubriek.AFLOSSING_SCHULDEN
        add_rule(session, edited.code, RuleMatch.IBAN, tx.counterparty_iban, rubriek, "coach")
        set_settings(session, edited.code, "coach", balance_floor_cents=50_000,
                     amount_tolerance_pct=1)  # fmt: skip
    engine.dispose()
    return copy


def _codes(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Household.code).order_by(Household.id)))


def test_batch_budget_rows_are_the_per_household_rows(world: Path) -> None:
    engine = make_engine(f"sqlite:///{world}")
    codes = _codes(engine)
    pairs = pl.DataFrame(
        {"household": [c for c in codes for _ in YEARS], "year": [y for _ in codes for y in YEARS]},
        schema={"household": pl.String, "year": pl.Int32},
    )
    with session_scope(engine) as session:
        expected = pl.DataFrame(
            [household_row(session, c, y) for c, y in pairs.iter_rows()], schema=ROW_SCHEMA
        )
        batched = budget_rows(session, pairs, chunk_households=3)  # chunks split the world
    engine.dispose()
    assert batched.schema == expected.schema
    for want, got in zip(expected.iter_rows(named=True), batched.iter_rows(named=True),
                         strict=True):  # fmt: skip
        assert got == want, (want["household"], want["year"])
    # the comparison covered every case, not only nulls
    budgets = expected.filter(pl.col("budget_month").is_not_null())
    assert set(budgets["year"]) == {2024, 2025}
    assert budgets["nibud_minimum_month_cents"].null_count() > 0  # month without a profile
    assert budgets["nibud_minimum_month_cents"].drop_nulls().len() > 0
    assert expected.filter(pl.col("household") == "LEEG")["open_signals"].null_count() == 3
    assert expected["open_signals"].drop_nulls().sum() > 0
    assert expected.filter(pl.col("year") == 2023)["budget_month"].null_count() == len(codes)


def test_fill_budget_fills_every_household(world: Path) -> None:
    from reports.facts_budget import fill_budget

    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        facts = build_facts(session, 2025)
        filled, stats = fill_budget(session, facts)
        expected = [household_row(session, c, 2025) for c in facts.frame["household"]]
    engine.dispose()
    assert stats.households == facts.frame.height > 0
    assert filled.available(*BUDGET_COLUMNS, *SIGNAL_COLUMNS)
    got = filled.frame.select("household", "year", *BUDGET_COLUMNS, *SIGNAL_COLUMNS)
    assert got.to_dicts() == expected


def _facts_one_by_one(session: Session, year: int) -> pl.DataFrame:
    """The facts as build_facts made them before the batch: a household at a time."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows: list[dict[str, object]] = []
    for household in session.scalars(select(Household).order_by(Household.id)):
        found = _profile_for_year(profile_history(session, household.code), year)
        if found is None:
            continue
        profile, day = found
        members = profile.members_on(day)
        classified = classified_transactions(session, household.code, first, last)
        rows.append(
            {
                "household": household.code,
                "year": year,
                "municipality": profile.municipality,
                "wijk": profile.wijk,
                "household_type": household_type(profile, day).value,
                "members": len(members),
                "children": sum(1 for m in members if m.role is Role.KIND),
            }
            | _money_in(classified)
        )
    return pl.DataFrame(rows, schema=FACTS_SCHEMA) if rows else empty_facts()


@pytest.mark.parametrize("year", YEARS)
def test_build_facts_in_batch_is_build_facts_per_household(world: Path, year: int) -> None:
    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        expected = _facts_one_by_one(session, year)
        facts = build_facts(session, year).frame
    engine.dispose()
    assert facts.to_dicts() == expected.to_dicts()
    assert facts["months_observed"].sum() > 0 or year == 2023


def test_build_facts_chunks_do_not_change_the_result(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        whole = build_facts(session, 2024).frame
        monkeypatch.setattr(bulk, "CHUNK_HOUSEHOLDS", 2)
        chunked = build_facts(session, 2024).frame
    engine.dispose()
    assert whole.height >= 4 and chunked.to_dicts() == whole.to_dicts()


def test_balances_in_batch_are_balance_at_start(world: Path) -> None:
    engine = make_engine(f"sqlite:///{world}")
    codes = _codes(engine)
    days = [dt.date(2024, 9, 1), dt.date(2024, 10, 1), dt.date(2024, 11, 15), dt.date(2025, 3, 1),
            dt.date(2025, 6, 1)]  # fmt: skip
    known = 0
    with session_scope(engine) as session:
        ids = bulk.household_ids(session, codes)
        tx = bulk.transactions(session, ids)
        for day in days:
            got = bulk.balances_at_start(session, ids, dict.fromkeys(codes, day), tx)
            for code in codes:
                assert got[code] == balance_at_start(session, code, day), (code, day)
                known += got[code] is not None
    engine.dispose()
    assert known > len(codes)  # stated balances were found, not only "unknown"
