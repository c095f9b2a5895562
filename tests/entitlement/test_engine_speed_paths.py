"""The engine's fast paths give exactly what the per-case evaluator and the plain path give.

Store-ordered frames take the compressed path (one column per parameter state), in blocks of
many households, with output columns in their own mappings and null blocks never written; these
tests pin those paths to the per-case evaluator on a random sample of household-months.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from entitlement.rules import arena, layout
from entitlement.rules.case import evaluate_case
from entitlement.rules.engine import column, evaluate
from entitlement.rules.frames import as_floats, child_counts
from entitlement.rules.inputs import input_schema
from entitlement.rules.registry import default_rules


def store_ordered(n: int, year: int, seed: int) -> pl.DataFrame:
    """``n`` households x 12 months, household by household, some inputs empty or changing."""
    rng = np.random.default_rng(seed)
    partner = rng.random(n) < 0.4
    kids = rng.choice(5, size=n, p=[0.45, 0.2, 0.2, 0.1, 0.05])
    age = rng.integers(17, 80, size=n)
    income = (rng.gamma(4.0, 7_500.0, size=n) * 100).astype(np.int64)
    rows: list[dict[str, Any]] = []
    for h in range(n):
        base: dict[str, Any] = {
            "toetsingsinkomen_jaar_cents": int(income[h]) if rng.random() > 0.05 else None,
            "netto_inkomen_maand_cents": int(income[h] // 14),
            "partner": bool(partner[h]),
            "leeftijd": int(age[h]),
            "leeftijd_partner": int(age[h]) if partner[h] else 0,
            "kinderen_leeftijden": [int(a) for a in rng.integers(0, 20, size=kids[h])],
            "aantal_personen": int(1 + partner[h] + kids[h]),
            "kostendelers": int(rng.random() < 0.1),
            "kale_huur_cents": int(rng.integers(30_000, 110_000)),
            "servicekosten_cents": int(rng.integers(0, 6_000)),
            "vermogen_cents": int(rng.exponential(600_000.0)),
            "gemeente": [None, "GM0344", "GM0307", "GM0363"][int(rng.integers(0, 4))],
            "student": bool(rng.random() < 0.05),
            "inkomen_pct_norm_3j": int(rng.integers(80, 160)),
            "inkomen_pct_norm_5j": int(rng.integers(80, 160)),
            "uitzicht_op_beter_inkomen": bool(rng.random() < 0.3),
            "gemeentelijke_belastingen_jaar_cents": int(rng.integers(0, 90_000)),
        }
        changes = h % 7 == 0  # some households' monthly income changes during the year
        for m in range(12):
            row = {**base, "month": dt.date(year, m + 1, 1)}
            if changes and m >= 6:
                row["netto_inkomen_maand_cents"] = int(income[h] // 14) + 12_345 * m
            rows.append(row)
    schema = input_schema()
    wanted = {k: schema[k] for k in rows[0]}
    return pl.DataFrame(rows, schema=wanted).cast(wanted)  # type: ignore[arg-type]


@pytest.mark.parametrize(("year", "chunk_rows"), [(2025, 1 << 15), (2024, 36), (2026, 100)])
def test_sample_of_household_months_equals_per_case(
    year: int, chunk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arena, "MAPPED_FROM", 1)  # every output column in its own mapping
    rules = default_rules()
    frame = store_ordered(120, year, seed=year)
    out = evaluate(frame, rules, chunk_rows=chunk_rows)
    picks = np.random.default_rng(year).choice(out.height, size=150, replace=False)
    for i in picks:
        row = out.row(int(i), named=True)
        memo: dict[str, Any] = {}
        for name in rules:
            case = evaluate_case(rules, row, name, memo=memo)
            where = f"{name} row {i}"
            assert case.status.value == row[column(name, "status")], where
            assert case.reasons_mask == row[column(name, "redenen")], where
            assert case.month_cents == row[column(name, "bedrag_maand_cents")], where
            if rules[name].has_year_outcome:
                assert case.year_cents == row[column(name, "bedrag_jaar_cents")], where
            assert case.recht == row[column(name, "recht")], where
            for step, value in case.steps.items():
                assert value == row[column(name, step)], f"{where} {step}"


def test_compressed_blocks_equal_the_plain_path() -> None:
    """Big compressed blocks, blocks split because an input changes, and rows out of store
    order (the plain path) all give the same frame."""
    rules = default_rules()
    frame = store_ordered(90, 2025, seed=5)
    expected = evaluate(frame.reverse(), rules).reverse()
    for chunk_rows in (12, 60, 1 << 15):
        assert evaluate(frame, rules, chunk_rows=chunk_rows).equals(expected, null_equal=True)


def test_constancy_checks_every_month_against_its_state() -> None:
    u = 4
    arr = np.array([1, 1, 2, 2, 5, 5, 5, 5, 3, 4, 3, 4], dtype=np.int64)  # 3 households
    cache = layout.Constancy()
    runs = np.array([0, 0, 2, 2])  # states Jan-Feb and Mar-Apr
    assert cache.households(arr, u, runs).tolist() == [True, True, False]
    alternating = np.array([0, 1, 0, 1])  # states that are not runs of months
    assert cache.households(arr, u, alternating).tolist() == [False, True, True]
    assert cache.households(arr, u, np.arange(u)).tolist() == [True, True, True]
    assert layout.constant_within([(arr, None)], slice(4, 8), u, runs, cache)
    assert not layout.constant_within([(arr, None)], slice(0, 12), u, runs, cache)


def test_child_counts_per_interval() -> None:
    ages = [[], [3, 12, 17], None, [18, 0, 0], [11]]
    frame = pl.DataFrame(
        {"kinderen_leeftijden": ages}, schema={"kinderen_leeftijden": pl.List(pl.Int16)}
    )
    counts = child_counts(frame, [(0, 11), (12, 17), (0, 17)])
    got = {k: as_floats(v)[0].tolist() for k, v in counts.items()}
    assert got == {
        (0, 11): [0.0, 1.0, 0.0, 2.0, 1.0],
        (12, 17): [0.0, 2.0, 0.0, 0.0, 0.0],
        (0, 17): [0.0, 3.0, 0.0, 2.0, 1.0],
    }
    assert counts[(0, 11)][1].tolist() == [False, False, True, False, False]


@pytest.mark.parametrize("households_at_a_time", [1, 2, 1 << 12])
def test_changes_within_households_are_found_in_parts(
    households_at_a_time: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "_SCAN_HOUSEHOLDS", households_at_a_time)
    u = 3
    between = np.array([1, 1, 1, 2, 2, 2, 7, 7, 7], dtype=np.int64)  # only between households
    assert not layout._changes_anywhere(between, u)
    for row in range(between.size):
        changed = between.copy()
        changed[row] += 10
        assert layout._changes_anywhere(changed, u), row  # any month differs from another
    cache = layout.Constancy()
    last = between.copy()
    last[-1] = 8  # the last month of the last household
    assert cache.households(last, u, np.arange(u)).tolist() == [True, True, True]
    assert cache.households(last, u, np.zeros(u, dtype=np.intp)).tolist() == [True, True, False]
