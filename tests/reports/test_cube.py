"""Cells with all their margins, computed from the households themselves."""

from __future__ import annotations

import math
import statistics

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.cube import TOTAL, cube, value_cells

RECORDS = pl.DataFrame(
    {
        "wijk": ["A", "A", "A", "B"],
        "type": ["x", "y", "x", "x"],
        "bedrag": [100, -50, None, 7],
    }
)


def cell(frame: pl.DataFrame, wijk: str, kind: str) -> dict[str, object]:
    return frame.filter((pl.col("wijk") == wijk) & (pl.col("type") == kind)).row(0, named=True)


def test_margins_and_empty_cells() -> None:
    frame = value_cells(
        cube(RECORDS, ["wijk", "type"], {"wijk": ["A", "B"], "type": ["x", "y"]}, ["bedrag"]),
        ["wijk", "type"],
        "bedrag",
    )
    assert frame.height == 3 * 3
    a_x = cell(frame, "A", "x")
    assert (a_x["n"], a_x["obs"], a_x["sum"], a_x["largest"]) == (2, 1, 100, 100)
    b_y = cell(frame, "B", "y")
    assert (b_y["n"], b_y["obs"], b_y["sum"]) == (0, 0, None)
    a_total = cell(frame, "A", TOTAL)
    assert (a_total["n"], a_total["sum"], a_total["abs_sum"]) == (3, 50, 150)
    assert (a_total["largest"], a_total["smallest"], a_total["median"]) == (100, -50, 25)
    everything = cell(frame, TOTAL, TOTAL)
    assert (everything["n"], everything["sum"], everything["median"]) == (4, 57, 7)


def test_count_only_cells_have_every_household_as_observation() -> None:
    frame = value_cells(cube(RECORDS, ["wijk"], {"wijk": ["A", "B"]}), ["wijk"], None)
    assert frame["n"].to_list() == frame["obs"].to_list() == [3, 1, 4]
    assert frame["sum"].null_count() == 3


def test_median_rounds_half_away_from_zero() -> None:
    records = pl.DataFrame({"g": ["a", "a", "b", "b"], "v": [1, 2, -1, -2]})
    frame = value_cells(cube(records, ["g"], {"g": ["a", "b"]}, ["v"]), ["g"], "v")
    assert frame["median"].to_list() == [2, -2, 0]


def test_total_is_reserved() -> None:
    with pytest.raises(ValueError, match="reserved"):
        cube(RECORDS, ["wijk"], {"wijk": ["A", TOTAL]})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from("xy"), st.integers(-(10**9), 10**9)),
        max_size=40,
    )
)
def test_every_margin_is_the_sum_of_its_parts(rows: list[tuple[str, str, int]]) -> None:
    records = pl.DataFrame(
        rows, schema={"g": pl.String, "h": pl.String, "v": pl.Int64}, orient="row"
    )
    frame = value_cells(
        cube(records, ["g", "h"], {"g": list("abc"), "h": list("xy")}, ["v"]), ["g", "h"], "v"
    )
    for g in ["a", "b", "c", TOTAL]:
        parts = frame.filter((pl.col("g") == g) & (pl.col("h") != TOTAL))
        whole = frame.filter((pl.col("g") == g) & (pl.col("h") == TOTAL)).row(0, named=True)
        assert whole["n"] == parts["n"].sum()
        assert (whole["sum"] or 0) == (parts["sum"].fill_null(0).sum())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abc"),
            st.sampled_from("xy"),
            st.one_of(st.none(), st.integers(-(10**9), 10**9)),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_every_cell_is_computed_from_its_own_households(
    rows: list[tuple[str, str, int | None]], medians: bool
) -> None:
    """Margins are added up from the innermost cells; each must equal the same statistics
    computed directly over the households of that cell."""
    records = pl.DataFrame(
        rows, schema={"g": pl.String, "h": pl.String, "v": pl.Int64}, orient="row"
    )
    levels = {"g": list("abc"), "h": list("xy")}
    frame = value_cells(cube(records, ["g", "h"], levels, ["v"], medians=medians), ["g", "h"], "v")
    assert frame.height == 4 * 3
    for cell in frame.iter_rows(named=True):
        inside = [v for g, h, v in rows if cell["g"] in (g, TOTAL) and cell["h"] in (h, TOTAL)]
        known = [v for v in inside if v is not None]
        assert cell["n"] == len(inside) and cell["obs"] == len(known)
        if not inside:  # an empty cell: no value (the grand total of no rows sums to 0)
            assert (cell["sum"] or 0) == 0 and cell["median"] is None
            continue
        assert cell["sum"] == sum(known)
        assert cell["abs_sum"] == sum(abs(v) for v in known)
        assert cell["largest"] == (max(known) if known else None)
        assert cell["smallest"] == (min(known) if known else None)
        if not medians or not known:
            assert cell["median"] is None
        else:
            middle = statistics.median(known)
            rounded = math.floor(abs(middle) + 0.5)
            assert cell["median"] == (rounded if middle >= 0 else -rounded)


def test_a_value_outside_the_levels_counts_in_the_margins_only() -> None:
    """Margins are added up from the innermost cells: households whose class is not among the
    levels have no row of their own, but they are households of the area (as a group-by over
    the households counts them)."""
    records = pl.DataFrame({"g": ["a", "z", "q", "a"], "v": [5, 40, -90, None]})
    frame = value_cells(cube(records, ["g"], {"g": ["a", "b"]}, ["v"]), ["g"], "v")
    assert frame["g"].to_list() == ["a", "b", TOTAL]
    total = frame.row(2, named=True)
    assert (total["n"], total["obs"], total["sum"], total["abs_sum"]) == (4, 3, -45, 135)
    assert (total["largest"], total["smallest"], total["median"]) == (40, -90, 5)


def test_no_households_leave_the_grand_total_at_zero() -> None:
    """Without households every cell is empty: null sums, except the grand total, which sums
    nothing to 0; largest, smallest and median stay null (no observations)."""
    records = pl.DataFrame(schema={"g": pl.String, "h": pl.String, "v": pl.Int64})
    frame = value_cells(
        cube(records, ["g", "h"], {"g": ["a"], "h": ["x", "y"]}, ["v"]), ["g", "h"], "v"
    )
    assert frame["n"].to_list() == [0] * 6 and frame["obs"].to_list() == [0] * 6
    assert frame["sum"].to_list() == [None] * 5 + [0]
    assert frame["largest"].null_count() == frame["median"].null_count() == 6
