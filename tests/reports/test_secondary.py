"""The differencing attack: an attacker with the total and every published filtered subset tries
to recover a single household's value, or a hidden cell. Without protection he succeeds (so the
attacker works); with it he must fail, on hand-made tables and on random ones."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.cube import TOTAL
from reports.disclosure import Rules, Use, rules_for
from reports.secondary import build_lattice, shared_lattice
from tests.reports.attacker import determined_cells, recover_values
from tests.reports.helpers import protect_records, rows_of

INTERN = rules_for(Use.INTERN)
OPEN = rules_for(Use.INTERN, min_households=1, min_observations=1, dominance_pct=100)
"""Everything published: the baseline the attack must beat."""


def attack(records: pl.DataFrame, dims: list[str], rules: Rules) -> dict[int, float]:
    table, _ = protect_records(records, dims, rules, values=["inkomen"])
    return recover_values(records, dims, rows_of(table, "inkomen"), "inkomen")


def test_total_minus_filtered_subset_reveals_a_household_without_protection() -> None:
    records = pl.DataFrame(
        {"wijk": ["A"] * 11 + ["B"], "inkomen": [1_500_000 + i for i in range(11)] + [987_654]}
    )
    assert attack(records, ["wijk"], OPEN) == {11: pytest.approx(987_654)}
    assert attack(records, ["wijk"], INTERN) == {}


def test_two_dimensional_table_with_margins() -> None:
    # wijk x type: the lonely household in (B, paar) sits on a row and a column margin.
    wijk = ["A"] * 30 + ["B"] * 25 + ["C"] * 40
    kind = (["alleen"] * 15 + ["paar"] * 15) + (["alleen"] * 24 + ["paar"]) + ["alleen"] * 40
    records = pl.DataFrame({"wijk": wijk, "type": kind, "inkomen": list(range(95))})
    dims = ["wijk", "type"]
    assert 54 in attack(records, dims, OPEN)
    assert attack(records, dims, INTERN) == {}
    table, _ = protect_records(records, dims, INTERN, values=["inkomen"])
    counts = rows_of(table, None)
    assert determined_cells(counts, dims, "huishoudens", "status_huishoudens") == []
    sums = rows_of(table, "inkomen")
    assert determined_cells(sums, dims, "som", "status_waarde") == []


def test_regeling_lattice_eligible_receiving_missed() -> None:
    # recht x ontvangst: "rechthebbend" minus "gemist" is "rechthebbend en ontvangt".
    recht = ["ja"] * 40 + ["nee"] * 25
    ontvangst = ["nee"] * 39 + ["ja"] + ["nee"] * 25
    records = pl.DataFrame(
        {"wijk": ["A"] * 65, "recht": recht, "ontvangst": ontvangst, "inkomen": list(range(65))}
    )
    dims = ["wijk", "recht", "ontvangst"]
    assert attack(records, dims, OPEN) == {39: pytest.approx(39)}
    assert attack(records, dims, INTERN) == {}
    table, _ = protect_records(records, dims, INTERN, values=["inkomen"])
    counts = rows_of(table, None)
    hidden = counts.filter(pl.col("status_huishoudens") == "onderdrukt")
    assert ("A", "ja", "ja") in set(hidden.select(dims).iter_rows())
    assert ("A", "ja", TOTAL) in set(hidden.select(dims).iter_rows()) or (
        ("A", "ja", "nee") in set(hidden.select(dims).iter_rows())
    )
    assert determined_cells(counts, dims, "huishoudens", "status_huishoudens") == []


def test_a_chain_of_lines_is_caught_by_the_exact_check() -> None:
    # Suppressed cells at (A,x),(A,y),(B,y),(B,z),(C,z),(C,x) form a cycle; each row and column
    # has two hidden cells, yet with a third dimension-free cell chain a bridge may exist. The
    # exact check must leave none of them derivable.
    cells = {
        ("A", "x"): 3, ("A", "y"): 4, ("A", "w"): 30,
        ("B", "y"): 2, ("B", "z"): 5, ("B", "w"): 30,
        ("C", "z"): 3, ("C", "x"): 6, ("C", "w"): 30,
        ("D", "w"): 30, ("D", "x"): 30, ("D", "y"): 30, ("D", "z"): 30,
    }  # fmt: skip
    wijk = [w for (w, _), n in cells.items() for _ in range(n)]
    kind = [t for (_, t), n in cells.items() for _ in range(n)]
    records = pl.DataFrame({"wijk": wijk, "type": kind, "inkomen": list(range(len(wijk)))})
    dims = ["wijk", "type"]
    assert attack(records, dims, INTERN) == {}
    table, _ = protect_records(records, dims, INTERN)
    assert determined_cells(table, dims, "huishoudens", "status_huishoudens") == []


def test_lattice_lines_add_up() -> None:
    coords = np.array(
        [[0, 0], [0, 1], [0, -1], [1, 0], [1, 1], [1, -1], [-1, 0], [-1, 1], [-1, -1]]
    )
    lattice = build_lattice(coords)
    assert len(lattice.lines) == 2 + 2 + 2  # row margins, column margins, grand total twice
    for parent, parts in lattice.lines:
        assert (lattice.incidence[parts].sum(axis=0) == lattice.incidence[parent]).all()
    assert lattice.within[8].sum() == 8 and not lattice.within[0].any()


def test_lattice_lines_of_a_three_dimensional_grid() -> None:
    """Every line is a margin and all its parts along one dimension, in the grid's order."""
    axes = [[0, 1, 2, -1], [0, 1, -1], [0, 1, 2, 3, -1]]
    coords = np.array(list(itertools.product(*axes)), dtype=np.int64)
    coords = coords[np.random.default_rng(5).permutation(len(coords))]
    lattice = build_lattice(coords)
    expected = []
    for i, row in enumerate(coords.tolist()):
        for k in range(3):
            if row[k] == -1:
                parts = [
                    j
                    for level in range(len(axes[k]) - 1)
                    for j, other in enumerate(coords.tolist())
                    if other == [*row[:k], level, *row[k + 1 :]]
                ]
                expected.append((i, parts))
    assert [(p, q.tolist()) for p, q in lattice.lines] == expected
    for cell in range(len(coords)):
        assert lattice.parent_of[cell] == tuple(
            x for x, (p, _) in enumerate(lattice.lines) if p == cell
        )
        assert lattice.child_of[cell] == tuple(
            x for x, (_, q) in enumerate(lattice.lines) if cell in q.tolist()
        )
    inside = [
        [all(a in (-1, b) for a, b in zip(p, c, strict=True)) and p != c for c in coords.tolist()]
        for p in coords.tolist()
    ]
    assert (lattice.within == np.array(inside)).all()
    with pytest.raises(KeyError, match="incomplete grid"):
        build_lattice(coords[1:])


@st.composite
def small_tables(draw: st.DrawFn) -> tuple[pl.DataFrame, list[str], Rules]:
    n_dims = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(n_dims)]
    n = draw(st.integers(1, 70))
    dims = [f"d{i}" for i in range(n_dims)]
    columns: dict[str, list[object]] = {
        d: [f"v{draw(st.integers(0, s - 1))}" for _ in range(n)]
        for d, s in zip(dims, sizes, strict=True)
    }
    columns["inkomen"] = [draw(st.integers(-50_000, 5_000_000)) for _ in range(n)]
    k = draw(st.sampled_from([2, 3, 5, 10]))
    rules = rules_for(Use.INTERN, min_households=k, min_observations=k, min_denominator=k)
    return pl.DataFrame(columns), dims, rules


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables())
def test_no_household_and_no_hidden_cell_can_be_recovered(
    case: tuple[pl.DataFrame, list[str], Rules],
) -> None:
    records, dims, rules = case
    table, _ = protect_records(records, dims, rules, values=["inkomen"])
    sums = rows_of(table, "inkomen")
    assert recover_values(records, dims, sums, "inkomen") == {}
    counts = rows_of(table, None)
    assert determined_cells(counts, dims, "huishoudens", "status_huishoudens") == []
    assert determined_cells(sums, dims, "som", "status_waarde") == []
    shown = counts.filter(pl.col("status_huishoudens") == "gepubliceerd")["huishoudens"]
    assert all(v == 0 or v >= rules.min_households for v in shown)


def test_a_shared_lattice_is_built_once_per_grid_and_read_only() -> None:
    axes = [[0, 1, -1], [0, 1, 2, -1]]
    coords = np.array(list(itertools.product(*axes)), dtype=np.int64)
    shared = shared_lattice(coords)
    assert shared_lattice(coords.copy()) is shared
    built = build_lattice(coords)
    assert (shared.within == built.within).all() and (shared.pairs == built.pairs).all()
    assert [(p, q.tolist()) for p, q in shared.lines] == [(p, q.tolist()) for p, q in built.lines]
    assert shared.child_of == built.child_of and shared.parent_of == built.parent_of
    with pytest.raises(ValueError, match="read-only"):
        shared.incidence[0, 0] = False
    assert shared_lattice(coords[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]) is shared
    assert shared_lattice(coords[::-1].copy()) is not shared
