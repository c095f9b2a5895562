"""Cells of a table with all its margins, from one row per household.

Disclosure control (:mod:`reports.disclosure`) works on *cells*: for each combination of the
table's dimensions, and for every margin over any subset of them, the number of households and
per value the sum, the absolute sum and the largest and smallest single contribution (the
dominance rule needs those). Margins are computed from the households directly, not by adding
up rounded or suppressed cells, and the grid is completed with empty cells so that a zero is a
published fact rather than a missing row.

A margin carries :data:`TOTAL` in the dimensions it sums over. Cells of one value are selected
with :func:`value_cells` into the fixed :data:`CELL_SCHEMA` the disclosure functions take.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

TOTAL: Final = "totaal"
"""The dimension value of a margin: the cell sums over every value of that dimension."""

STATS: Final = ("obs", "sum", "abs_sum", "largest", "smallest", "median")

CELL_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "n": pl.Int64,
    "obs": pl.Int64,
    "sum": pl.Int64,
    "abs_sum": pl.Int64,
    "largest": pl.Int64,
    "smallest": pl.Int64,
    "median": pl.Int64,
}
"""The statistics of a cell after its dimension columns (all ``pl.String``).

``n`` households in the cell; ``obs`` of them with a known value (the value's observations);
``sum`` and ``abs_sum`` of the value; ``largest`` and ``smallest`` single contribution;
``median`` rounded half away from zero to a whole unit (cent). Value columns are null in a
count-only table and, except ``obs``, in a cell without observations.
"""


def _name(value: str, stat: str) -> str:
    return f"{value}:{stat}"


def cube(
    records: pl.DataFrame,
    dims: Sequence[str],
    levels: Mapping[str, Sequence[str]],
    values: Sequence[str] = (),
    *,
    medians: bool = True,
) -> pl.DataFrame:
    """Every cell of the table over ``dims`` with all margins, for all ``values`` at once.

    ``records`` has one row per household with the dimension columns (strings, no nulls: map
    an unknown to a level such as "onbekend" first) and the integer value columns (null = not
    known for that household). ``levels`` lists every value of each dimension in display order;
    combinations without households become cells with ``n`` = 0.

    Each statistic is grouped once over the households into the innermost cells, and each
    margin adds those up (exact in integers), so a margin costs a group-by over a few hundred
    cells instead of one over every household. A median does not add up: the innermost cells
    keep their households' values and each margin pools them. ``medians=False`` leaves the
    median null (the disclosure control never reads it: a table not shown can skip it).
    """
    for dim in dims:
        if TOTAL in levels[dim]:
            raise ValueError(f"dimension {dim!r} uses the reserved value {TOTAL!r}")
    inner: list[pl.Expr] = [pl.len().cast(pl.Int64).alias("n")]
    outer: list[pl.Expr] = [pl.col("n").sum()]
    for value in values:
        col = pl.col(value).cast(pl.Int64)
        obs, total, absolute = _name(value, "obs"), _name(value, "sum"), _name(value, "abs_sum")
        largest, smallest = _name(value, "largest"), _name(value, "smallest")
        inner += [
            col.count().cast(pl.Int64).alias(obs),
            col.sum().alias(total),
            col.abs().sum().alias(absolute),
            col.max().alias(largest),
            col.min().alias(smallest),
        ]
        outer += [
            pl.col(obs).sum(),
            pl.col(total).sum(),
            pl.col(absolute).sum(),
            pl.col(largest).max(),
            pl.col(smallest).min(),
        ]
        median = _name(value, "median")
        if medians:
            # the households' values of each innermost cell, pooled again per margin
            inner.append(col.alias(_name(value, "values")))
            pooled = pl.col(_name(value, "values")).explode().median()
            outer.append(pooled.round(0, mode="half_away_from_zero").cast(pl.Int64).alias(median))
        else:
            outer.append(pl.lit(None, pl.Int64).alias(median))
    stat_columns = ["n", *(_name(v, s) for v in values for s in STATS)]
    source = records.lazy().select(*dims, *values) if dims or values else records.lazy()
    # no dimensions: one cell, the total
    grouping: list[str | pl.Expr] = [*dims] if dims else [pl.lit(0).alias("_all")]
    fine = source.group_by(grouping).agg(inner).collect().lazy()
    parts = []
    for size in range(len(dims) + 1):
        for subset in itertools.combinations(dims, size):
            keys = list(subset)
            part = fine.group_by(keys).agg(outer) if keys else fine.select(outer)
            part = part.with_columns(
                [pl.lit(TOTAL, pl.String).alias(d) for d in dims if d not in subset]
            )
            parts.append(part.select(*(pl.col(d).cast(pl.String) for d in dims), *stat_columns))
    stats = pl.concat(parts, how="vertical_relaxed").collect()
    if not dims:
        return stats
    grid = _grid(dims, levels)
    out = grid.join(stats, on=list(dims), how="left", maintain_order="left")
    fill = {"n": 0} | {_name(v, "obs"): 0 for v in values}
    return out.with_columns(pl.col(c).fill_null(f) for c, f in fill.items())


def _grid(dims: Sequence[str], levels: Mapping[str, Sequence[str]]) -> pl.DataFrame:
    """All combinations of the levels and TOTAL, margins last within each dimension, in a
    fixed order (the suppression heuristics break ties by position)."""
    axes = [[*levels[d], TOTAL] for d in dims]
    combos = list(itertools.product(*axes))
    return pl.DataFrame(combos, schema={d: pl.String for d in dims}, orient="row")


def value_cells(cube_frame: pl.DataFrame, dims: Sequence[str], value: str | None) -> pl.DataFrame:
    """The cells of one value (or of the count alone, ``value=None``) in :data:`CELL_SCHEMA`."""
    if value is None:
        # A count-only table: every household is an observation, there is no value.
        stats = [pl.col("n"), pl.col("n").alias("obs")] + [
            pl.lit(None, dtype).alias(name)
            for name, dtype in CELL_SCHEMA.items()
            if name not in ("n", "obs")
        ]
    else:
        stats = [pl.col("n")] + [
            pl.col(_name(value, name)).cast(dtype).alias(name)
            for name, dtype in CELL_SCHEMA.items()
            if name != "n"
        ]
    return cube_frame.select(*(pl.col(d) for d in dims), *stats)


def is_margin(dims: Sequence[str]) -> pl.Expr:
    """True for a cell that sums over at least one dimension."""
    if not dims:
        return pl.lit(False)
    return pl.any_horizontal(pl.col(d) == TOTAL for d in dims)
