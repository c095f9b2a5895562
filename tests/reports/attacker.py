"""The attacker of the disclosure tests: solves the linear relations between published cells.

Written independently of :mod:`reports.secondary` (rank comparisons rather than projections,
households rather than cells as unknowns) so that a shared mistake does not hide itself.

- :func:`recover_values` knows *who* is in which cell (the strongest linear attacker: he knows
  where everybody lives and their household type) and every published sum; he wants one
  household's value. A household's value follows exactly iff its unit vector lies in the row
  space of the published cells' membership vectors.
- :func:`determined_cells` knows only the published counts (or sums) per cell and wants a
  suppressed cell's figure; unknowns are the innermost cells.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from reports.cube import TOTAL

Matrix = npt.NDArray[np.float64]


def _members(rows: pl.DataFrame, records: pl.DataFrame, dims: Sequence[str]) -> Matrix:
    """(published rows x households): 1 where the household falls in the row's cell."""
    out = np.ones((rows.height, records.height), dtype=np.float64)
    for dim in dims:
        cell = np.array(rows[dim].to_list(), dtype=object)[:, None]
        own = np.array(records[dim].to_list(), dtype=object)[None, :]
        out *= (cell == TOTAL) | (cell == own)
    return out


def _in_row_space(matrix: Matrix, vectors: Matrix) -> npt.NDArray[np.bool_]:
    """Per row of ``vectors``: whether it is a combination of the rows of ``matrix``.

    One least-squares solve for all of them (``matrix.T @ y = vector``); a vector is in the row
    space when the best solution reproduces it exactly.
    """
    if vectors.shape[0] == 0:
        return np.zeros(0, dtype=np.bool_)
    if matrix.shape[0] == 0:
        return np.asarray(~vectors.any(axis=1))
    solution, *_ = np.linalg.lstsq(matrix.T, vectors.T, rcond=None)
    residual = matrix.T @ solution - vectors.T
    return np.asarray(np.abs(residual).max(axis=0) < 1e-6)


def recover_values(
    records: pl.DataFrame,
    dims: Sequence[str],
    rows: pl.DataFrame,
    value: str,
    *,
    statistic: str = "som",
) -> dict[int, float]:
    """Households (row index in ``records``) whose ``value`` follows from the published sums.

    ``rows`` are published rows (dimensions + ``statistic``) of that value; the answer maps a
    household to the value the attacker computes for it.
    """
    known = rows.filter(pl.col(statistic).is_not_null())
    live = records.with_row_index("_h").filter(pl.col(value).is_not_null())
    matrix = _members(known, live, dims)
    targets = np.array(known[statistic].to_list(), dtype=np.float64)
    solution, *_ = np.linalg.lstsq(matrix, targets, rcond=None)
    units = np.eye(live.height)
    found = _in_row_space(matrix, units)
    households = live["_h"].to_list()
    return {int(households[j]): float(solution[j]) for j in np.flatnonzero(found)}


def determined_cells(
    published: pl.DataFrame, dims: Sequence[str], statistic: str, status: str
) -> list[tuple[str, ...]]:
    """Suppressed cells (as dimension tuples) whose ``statistic`` follows from the published
    ones. ``published`` holds every cell of one table and statistic once: the dimensions, the
    figure (null when not shown) and its status; an empty cell ("leeg") is a known zero.
    Unknowns are the innermost cells.
    """
    rows = published.select(*dims, statistic, status)
    inner = rows.filter(pl.all_horizontal(pl.col(d) != TOTAL for d in dims)) if dims else rows
    shown = rows.filter(pl.col(statistic).is_not_null() | (pl.col(status) == "leeg"))
    matrix = _members(shown, inner, dims)
    hidden = rows.filter(pl.col(status) == "onderdrukt")
    found = _in_row_space(matrix, _members(hidden, inner, dims))
    return [tuple(str(hidden[d][int(i)]) for d in dims) for i in np.flatnonzero(found)]


def determined_counts_linked(export: pl.DataFrame, area: str = "wijk") -> list[tuple[str, ...]]:
    """Hidden counts of an aggregates export that follow from all its tables together.

    Every table splits the same households of an area, so the attacker also knows that the
    innermost cells of any two tables add up to the same number per area. Unknowns: the
    innermost (area, klasse) cells of every table; rows are deduplicated per table and cell.
    """
    rows = export.unique(subset=["tabel", area, "klasse"], keep="first", maintain_order=True)
    by_area = (rows[area] != TOTAL).any()  # a gemeente export has only the gemeente
    inner = rows.filter(((pl.col(area) != TOTAL) | (not by_area)) & (pl.col("klasse") != TOTAL))
    key_table = np.array(inner["tabel"].to_list(), dtype=object)
    key_area = np.array(inner[area].to_list(), dtype=object)
    key_class = np.array(inner["klasse"].to_list(), dtype=object)

    def vectors(frame: pl.DataFrame) -> Matrix:
        t = np.array(frame["tabel"].to_list(), dtype=object)[:, None]
        a = np.array(frame[area].to_list(), dtype=object)[:, None]
        k = np.array(frame["klasse"].to_list(), dtype=object)[:, None]
        match = (t == key_table) & ((a == TOTAL) | (a == key_area))
        return np.asarray(match & ((k == TOTAL) | (k == key_class)), dtype=np.float64)

    shown = rows.filter(
        pl.col("huishoudens").is_not_null() | (pl.col("status_huishoudens") == "leeg")
    )
    equations = [vectors(shown)]
    tables = rows["tabel"].unique(maintain_order=True).to_list()
    areas = inner[area].unique().to_list()
    for first, other in itertools.pairwise(tables):
        for a in areas:
            pair = pl.DataFrame({"tabel": [first, other], area: [a, a], "klasse": [TOTAL, TOTAL]})
            both = vectors(pair)
            equations.append(both[:1] - both[1:])
    hidden = rows.filter(pl.col("status_huishoudens") == "onderdrukt")
    found = _in_row_space(np.vstack(equations), vectors(hidden))
    return [
        tuple(str(hidden[c][int(i)]) for c in ("tabel", area, "klasse"))
        for i in np.flatnonzero(found)
    ]
