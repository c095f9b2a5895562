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

import numpy as np
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

    Each statistic is grouped once over the households into the innermost cells, and the
    margins add those up (exact in integers) on an array over the grid, one axis per
    dimension (:func:`_margins`): no group-by per margin. A median does not add up: the
    innermost cells keep their households' values and each margin pools them (a group-by
    over the few hundred innermost cells per margin). ``medians=False`` leaves the median
    null (the disclosure control never reads it: a table not shown can skip it).
    """
    for dim in dims:
        if TOTAL in levels[dim]:
            raise ValueError(f"dimension {dim!r} uses the reserved value {TOTAL!r}")
    inner: list[pl.Expr] = [pl.len().cast(pl.Int64).alias("n")]
    outer: list[pl.Expr] = []
    for value in values:
        col = pl.col(value).cast(pl.Int64)
        inner += [
            col.count().cast(pl.Int64).alias(_name(value, "obs")),
            col.sum().alias(_name(value, "sum")),
            col.abs().sum().alias(_name(value, "abs_sum")),
            col.max().alias(_name(value, "largest")),
            col.min().alias(_name(value, "smallest")),
        ]
        if medians:
            # the households' values of each innermost cell, pooled again per margin
            inner.append(col.alias(_name(value, "values")))
            pool = pl.col(_name(value, "values")).explode().median()
            outer.append(
                pool.round(0, mode="half_away_from_zero")
                .cast(pl.Int64)
                .alias(_name(value, "median"))
            )
    source = records.lazy().select(*dims, *values) if dims or values else records.lazy()
    if not dims:
        return _total(source, values, inner, outer)
    fine = source.group_by(list(dims)).agg(inner).collect()
    grid = _grid(dims, levels)
    stats = _margins(fine, dims, levels, values)
    pooled = _pooled(fine.lazy(), grid, dims, outer) if medians and values else None
    columns = [
        pl.Series(_name(v, "median"), [None] * grid.height, pl.Int64)
        if pooled is None
        else pooled.get_column(_name(v, "median"))
        for v in values
    ]
    order = ["n", *(_name(v, s) for v in values for s in STATS)]
    return pl.concat([grid, stats], how="horizontal").with_columns(columns).select(*dims, *order)


def _total(
    source: pl.LazyFrame, values: Sequence[str], inner: list[pl.Expr], outer: list[pl.Expr]
) -> pl.DataFrame:
    """The one cell of a table without dimensions: every household."""
    summed: list[pl.Expr] = [pl.col("n").sum()]
    for value in values:
        summed += [
            pl.col(_name(value, "obs")).sum(),
            pl.col(_name(value, "sum")).sum(),
            pl.col(_name(value, "abs_sum")).sum(),
            pl.col(_name(value, "largest")).max(),
            pl.col(_name(value, "smallest")).min(),
        ]
    by_median = {str(e.meta.output_name()): e for e in outer}
    for value in values:
        median = _name(value, "median")
        summed.append(by_median.get(median, pl.lit(None, pl.Int64).alias(median)))
    order = ["n", *(_name(v, s) for v in values for s in STATS)]
    fine = source.group_by(pl.lit(0).alias("_all")).agg(inner)
    return fine.select(summed).select(order).collect()


def _pooled(
    fine: pl.LazyFrame, grid: pl.DataFrame, dims: Sequence[str], outer: list[pl.Expr]
) -> pl.DataFrame:
    """The medians of every cell in grid order: each margin pools its innermost cells'
    values (a median does not add up)."""
    parts = []
    for size in range(len(dims) + 1):
        for subset in itertools.combinations(dims, size):
            keys = list(subset)
            part = fine.group_by(keys).agg(outer) if keys else fine.select(outer)
            part = part.with_columns(
                [pl.lit(TOTAL, pl.String).alias(d) for d in dims if d not in subset]
            )
            parts.append(
                part.select(*(pl.col(d).cast(pl.String) for d in dims), *_outer_names(outer))
            )
    stats = pl.concat(parts, how="vertical_relaxed").collect()
    return grid.join(stats, on=list(dims), how="left", maintain_order="left")


def _outer_names(outer: Sequence[pl.Expr]) -> list[str]:
    return [str(e.meta.output_name()) for e in outer]


def _margins(
    fine: pl.DataFrame,
    dims: Sequence[str],
    levels: Mapping[str, Sequence[str]],
    values: Sequence[str],
) -> pl.DataFrame:
    """Count, and per value observations, sum, absolute sum, largest and smallest, of every
    cell of the grid (:func:`_grid`'s order), margins added up from the innermost cells in
    integers. A cell without households has null sums, one without observations a null
    largest and smallest (as a group-by over the households gives them)."""
    # Per dimension its levels, then TOTAL, then one slot for values outside the levels:
    # they count in the margins (they are households of the area) but have no row.
    shape = tuple(len(levels[d]) + 2 for d in dims)
    at = tuple(
        np.array(
            [pos.get(v, len(levels[d]) + 1) for v in fine[d].cast(pl.String).to_list()],
            dtype=np.int64,
        )
        for d in dims
        for pos in [{v: i for i, v in enumerate(levels[d])}]
    )
    low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max

    def lattice(columns: list[str], how: str) -> np.ndarray:
        """The columns' cells (one column each), margins included, in grid order."""
        if not columns:
            return np.zeros((int(np.prod([size - 1 for size in shape])), 0), dtype=np.int64)
        start = {"sum": 0, "max": low, "min": high}[how]
        grid = np.full((*shape, len(columns)), start, dtype=np.int64)
        data = fine.select(pl.col(c).cast(pl.Int64).fill_null(start) for c in columns)
        # values outside the levels share a slot: accumulated, not assigned
        ufunc = {"sum": np.add, "max": np.maximum, "min": np.minimum}[how]
        ufunc.at(grid, at, data.to_numpy())
        for axis, size in enumerate(shape):
            total = size - 2
            inside = np.delete(np.arange(size), total)
            # every cell with this dimension at TOTAL adds up the levels (and the others)
            index: list[slice | int] = [slice(None)] * grid.ndim
            index[axis] = total
            grid[tuple(index)] = ufunc.reduce(np.take(grid, inside, axis=axis), axis=axis)
        kept = np.ix_(*(np.arange(size - 1) for size in shape), np.arange(len(columns)))
        return grid[kept].reshape(-1, len(columns))

    summed = ["n", *(_name(v, s) for v in values for s in ("obs", "sum", "abs_sum"))]
    sums = lattice(summed, "sum")
    largest = lattice([_name(v, "largest") for v in values], "max")
    smallest = lattice([_name(v, "smallest") for v in values], "min")
    n = sums[:, 0]
    empty = n == 0
    empty[-1] = False  # the grand total is there even without households (sum 0)
    columns = [pl.Series("n", n, pl.Int64)]
    for k, value in enumerate(values):
        obs = sums[:, 1 + 3 * k]
        unseen = obs == 0
        columns.append(pl.Series(_name(value, "obs"), obs, pl.Int64))
        for stat, column, hidden in (
            ("sum", sums[:, 2 + 3 * k], empty),
            ("abs_sum", sums[:, 3 + 3 * k], empty),
            ("largest", largest[:, k], unseen),
            ("smallest", smallest[:, k], unseen),
        ):
            masked = np.ma.MaskedArray(column, mask=hidden)
            columns.append(pl.Series(_name(value, stat), masked, pl.Int64, nan_to_null=True))
    return pl.DataFrame(columns)


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
