"""The compact result keeps every step of every household-month, as the full frame shows it.

``evaluate_compact`` keeps per regeling one row per household and parameter state (plus shared
rows and rows for households whose inputs change within a state) and an index per
household-month; these tests pin it to the full frame of ``evaluate``, to the derivation read
from that frame, and check that the compression really happens (also for a regeling that reads
another regeling's steps whose parameters change in a month of their own).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from entitlement.rules import engine, layout
from entitlement.rules.case import evaluate_case
from entitlement.rules.engine import column, evaluate, evaluate_compact
from entitlement.rules.explain import explain
from entitlement.rules.plan import plan_for
from entitlement.rules.registry import default_rules
from entitlement.rules.result import ROW_ELSEWHERE, ROW_UNKNOWN_PLACE, SHARED_STATUS
from tests.entitlement.test_engine_speed_paths import store_ordered


def test_every_row_of_the_compact_result_equals_the_full_frame() -> None:
    rules = default_rules()
    frame = store_ordered(60, 2025, seed=8)
    compact = evaluate_compact(frame, rules, chunk_rows=96)
    full = evaluate(frame, rules, chunk_rows=96)
    assert compact.frame().equals(full, null_equal=True)
    for i in range(full.height):
        assert compact.row(i) == full.row(i, named=True), i


def test_expand_gives_each_step_column() -> None:
    rules = default_rules()
    frame = store_ordered(40, 2026, seed=2)
    compact = evaluate_compact(frame, rules)
    full = evaluate(frame, rules)
    for name, table in compact.tables.items():
        for step in table.steps:
            values, missing = table.expand(step)
            expected = full[column(name, step)]
            nulls = expected.is_null().to_numpy()
            got_missing = np.zeros(full.height, bool) if missing is None else missing
            assert (got_missing == nulls).all(), (name, step)
            assert (values[~nulls] == expected.drop_nulls().to_numpy()).all(), (name, step)


def test_derivation_from_a_compact_row_is_the_same() -> None:
    rules = default_rules()
    frame = store_ordered(30, 2025, seed=4)
    compact = evaluate_compact(frame, rules)
    full = evaluate(frame, rules)
    for i in np.random.default_rng(1).choice(full.height, size=25, replace=False):
        for name in rules:
            via_compact = explain(rules, compact.row(int(i)), name)
            assert via_compact == explain(rules, full.row(int(i), named=True), name)


def constant_households(n: int, year: int) -> pl.DataFrame:
    """``n`` households x 12 months whose inputs never change within the year."""
    one = store_ordered(n, year, seed=13).filter(pl.col("month") == dt.date(year, 1, 1))
    months = pl.DataFrame({"month": [dt.date(year, m, 1) for m in range(1, 13)]})
    return one.drop("month").join(months, how="cross").select(one.columns)


def test_constant_households_keep_one_row_per_parameter_state() -> None:
    rules = default_rules()
    n, year = 50, 2025
    frame = constant_households(n, year)
    compact = evaluate_compact(frame, rules)
    dates = tuple(dt.date(year, m, 1) for m in range(1, 13))
    shared = SHARED_STATUS.size
    for name, table in compact.tables.items():
        regeling = rules[name]
        deps = [rules[d] for d in sorted(rules.dependencies(name))]
        calendar = plan_for(regeling, 0).calendar
        states, _ = layout.month_states(regeling, dates, calendar, deps)
        households = n
        if regeling.municipality is not None:  # computed only for households living there
            households = frame.filter(pl.col("gemeente") == regeling.municipality).height // 12
        assert table.size == shared + households * states.size, name
    # kwijtschelding reads the bijstand norm, which changes in July: its states follow bijstand's
    kwijt = rules["kwijtschelding"]
    own, _ = layout.month_states(kwijt, dates, set())
    with_deps, state_of = layout.month_states(kwijt, dates, set(), [rules["bijstand"]])
    bijstand, bijstand_states = layout.month_states(rules["bijstand"], dates, set())
    assert with_deps.size >= bijstand.size > own.size
    assert compact.tables["kwijtschelding"].size < frame.height // 4
    assert len(set(zip(state_of, bijstand_states, strict=True))) == with_deps.size


def test_households_elsewhere_share_one_row() -> None:
    rules = default_rules()
    frame = store_ordered(40, 2025, seed=21)
    compact = evaluate_compact(frame, rules)
    for name in ("iit_gm0344", "iit_gm0307"):
        table = compact.tables[name]
        municipality = frame["gemeente"]
        unknown = municipality.is_null().to_numpy()
        elsewhere = (municipality != rules[name].municipality).fill_null(False).to_numpy()
        assert (table.index[unknown] == ROW_UNKNOWN_PLACE).all()
        assert (table.index[elsewhere] == ROW_ELSEWHERE).all()
        assert (table.index[~unknown & ~elsewhere] >= SHARED_STATUS.size).all()


def test_regelingen_side_by_side_give_the_same_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large frames evaluate regelingen in threads (dependents wait for their dependencies)."""
    rules = default_rules()
    frame = store_ordered(50, 2025, seed=17)
    monkeypatch.setattr(engine, "THREADS", 1)
    serial = evaluate(frame, rules, chunk_rows=120)
    monkeypatch.setattr(engine, "THREADS", 2)
    monkeypatch.setattr(engine, "_THREADED_FROM", 0)
    for _ in range(3):
        assert evaluate(frame, rules, chunk_rows=120).equals(serial, null_equal=True)


def test_households_moving_between_municipalities() -> None:
    """A municipal scheme is computed only for households with a month there; months elsewhere
    or with an unknown municipality are set apart, also for households that move mid-year."""
    rules = default_rules()
    frame = store_ordered(60, 2025, seed=31)
    places = [None, "GM0344", "GM0307", "GM0363"]
    rng = np.random.default_rng(5)
    moved = [places[int(p)] for p in rng.integers(0, 4, size=frame.height)]
    stays = frame["gemeente"].to_list()
    mixed = [
        m if i // 12 % 3 == 0 else s for i, (m, s) in enumerate(zip(moved, stays, strict=True))
    ]
    frame = frame.with_columns(pl.Series("gemeente", mixed, dtype=frame["gemeente"].dtype))
    compact = evaluate_compact(frame, rules)
    plain = evaluate(frame.reverse(), rules).reverse()  # out of household order: every row
    assert compact.frame().equals(plain, null_equal=True)
    for name in ("iit_gm0344", "iit_gm0307"):
        table = compact.tables[name]
        assert table.rows.first is not None  # kept per household
        assert (table.rows.first == ROW_ELSEWHERE).any()  # households never there
        assert table.rows.fix_rows is not None and table.rows.fix_rows.size  # movers' months
        index = table.index
        for i in range(-3, frame.height):
            assert table.rows.at(i) == index[i], (name, i)
        for i in np.random.default_rng(2).choice(frame.height, size=60, replace=False):
            row = compact.row(int(i))
            case = evaluate_case(rules, row, name, memo={})
            assert case.status.value == row[column(name, "status")], (name, i)
            assert case.month_cents == row[column(name, "bedrag_maand_cents")], (name, i)
            assert case.reasons_mask == row[column(name, "redenen")], (name, i)
