"""Disclosure control for the municipality's aggregates (DOMAIN.md section 6).

The rules, as Statistics Netherlands applies them to income tables, and what this module does:

- **Minimum households per cell**: 10 inside the municipality (``intern``), 100 for publication
  (``publicatie``). A cell with fewer (but some) households is suppressed: *te weinig
  huishoudens*.
- **Counts rounded** for publication to hundreds; 0-49 is shown as 0.
- **Percentages** only with a denominator of at least 100 households (``publicatie``; 10
  ``intern``), and only where the count itself is published.
- **Means, medians and sums** only with at least 100 observations (``publicatie``; 10
  ``intern``).
- **Dominance**: the largest and the smallest single contribution each at most 30% of the
  cell's absolute sum, otherwise the value is suppressed: *dominantie*.
- **Secondary suppression** (:mod:`reports.secondary`): other cells are suppressed so that no
  suppressed cell can be worked back from the margins or from another filter combination;
  every cell of the table, margins included, is a filter combination and obeys the same rules.

Counts and values are protected separately: a value is suppressed wherever its count is, and
where its own rules say so. Every suppressed cell says why in Dutch. The functions are pure:
cells in (:data:`reports.cube.CELL_SCHEMA`), a published table out (:data:`PUBLISHED_SCHEMA`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

import numpy as np
import polars as pl

from reports.cube import TOTAL
from reports.secondary import (
    NONE,
    Bools,
    Lattice,
    Measure,
    Pattern,
    one_blas_thread,
    shared_lattice,
    suppress,
)


class Use(StrEnum):
    """Who the aggregates are for; sets the default rules."""

    INTERN = "intern"
    PUBLICATIE = "publicatie"


class Status(StrEnum):
    GEPUBLICEERD = "gepubliceerd"
    ONDERDRUKT = "onderdrukt"
    LEEG = "leeg"
    """No households (count) or no observations (value) in the cell: nothing to hide."""
    NVT = "n.v.t."


@dataclass(frozen=True, slots=True)
class Rules:
    use: Use
    min_households: int
    min_observations: int
    min_denominator: int
    dominance_pct: int
    round_counts_to: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "gebruik": str(self.use),
            "minimum_huishoudens_per_cel": self.min_households,
            "minimum_waarnemingen_voor_som_gemiddelde_mediaan": self.min_observations,
            "minimum_noemer_percentage": self.min_denominator,
            "dominantie_max_aandeel_procent": self.dominance_pct,
            "aantallen_afgerond_op": self.round_counts_to,
            "secundaire_onderdrukking": "marges en alle filtercombinaties, exact gecontroleerd",
        }


RULES: Final[dict[Use, Rules]] = {
    Use.INTERN: Rules(Use.INTERN, 10, 10, 10, 30, None),
    Use.PUBLICATIE: Rules(Use.PUBLICATIE, 100, 100, 100, 30, 100),
}
"""DOMAIN.md section 6: CBS rules for publication; 10 per cell for use inside the municipality."""


def rules_for(use: Use | str, **overrides: int | None) -> Rules:
    """The rules of a use, with individual thresholds overridden (configurable per export)."""
    return replace(RULES[Use(use)], **overrides)  # type: ignore[arg-type]


def round_count(n: int, to: int | None) -> int:
    """Round half up to a multiple of ``to``: with 100, 0-49 becomes 0 and 50-149 becomes 100."""
    if to is None:
        return n
    return (n + to // 2) // to * to


def primary_count(cells: pl.DataFrame, rules: Rules) -> Bools:
    """Cells with some, but fewer than the minimum, households."""
    n = cells["n"].to_numpy()
    return np.asarray((n > 0) & (n < rules.min_households))


def _value_stats(cells: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(obs, largest, smallest, abs_sum) as int64 arrays, nulls as 0, in one pass: a
    Series operation at a time costs more than the arithmetic on these few hundred cells."""
    stats = cells.select(
        pl.col(c).fill_null(0).cast(pl.Int64) for c in ("obs", "largest", "smallest", "abs_sum")
    ).to_numpy()
    return stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]


def _dominated(largest: np.ndarray, smallest: np.ndarray, total: np.ndarray, pct: int) -> Bools:
    return np.asarray(np.maximum(np.abs(largest), np.abs(smallest)) * 100 > total * pct)


def dominated(cells: pl.DataFrame, pct: int) -> Bools:
    """Cells where one household's contribution exceeds ``pct`` % of the absolute sum (a cell
    without observations has no largest or smallest and is never dominated)."""
    _obs, largest, smallest, total = _value_stats(cells)
    return _dominated(largest, smallest, total, pct)


def _primary_value(
    obs: np.ndarray, largest: np.ndarray, smallest: np.ndarray, total: np.ndarray, rules: Rules
) -> tuple[Bools, Bools]:
    few = (obs > 0) & (obs < rules.min_observations)
    dom = _dominated(largest, smallest, total, rules.dominance_pct) & (obs > 0) & ~few
    return np.asarray(few), np.asarray(dom)


def primary_value(cells: pl.DataFrame, rules: Rules) -> tuple[Bools, Bools]:
    """(too few observations, dominated) for cells with at least one observation."""
    return _primary_value(*_value_stats(cells), rules)


def coordinates(cells: pl.DataFrame, dims: Sequence[str]) -> np.ndarray:
    """Per cell and dimension the level's position, ``-1`` for a margin (TOTAL)."""
    columns = []
    for dim in dims:
        values = cells[dim].to_list()
        levels = [v for v in dict.fromkeys(values) if v != TOTAL]
        pos = {v: i for i, v in enumerate(levels)} | {TOTAL: NONE}
        columns.append([pos[v] for v in values])
    if not columns:
        return np.zeros((cells.height, 0), dtype=np.int64)
    return np.array(columns, dtype=np.int64).T.copy()


@dataclass(frozen=True, slots=True)
class Protected:
    """A protected table: the lattice, the count pattern and one pattern per value."""

    dims: tuple[str, ...]
    lattice: Lattice
    counts: Pattern
    count_primary: Bools
    values: Mapping[str, tuple[Pattern, Bools, Bools]]
    """Per value: its pattern, and the primary masks (too few observations, dominated)."""


def protect(
    count_cells: pl.DataFrame,
    value_cells: Mapping[str, pl.DataFrame],
    dims: Sequence[str],
    rules: Rules,
    *,
    fixed: Bools | None = None,
    forced: Bools | None = None,
    fixed_values: Mapping[str, Bools] | None = None,
    forced_values: Mapping[str, Bools] | None = None,
) -> Protected:
    """Primary and secondary suppression of the count and of each value of one table.

    All frames hold the same cells in the same order. ``fixed``/``forced`` apply to counts
    (see :func:`reports.secondary.suppress`); ``fixed_values``/``forced_values`` per value.

    The linear algebra runs on one BLAS thread: its matrices are small (one row or column per
    hidden cell), and OpenBLAS's threads made it 40 times slower on a busy two-core machine.
    """
    with one_blas_thread():
        return _protect(count_cells, value_cells, dims, rules, fixed, forced, fixed_values,
                        forced_values)  # fmt: skip


def _protect(
    count_cells: pl.DataFrame,
    value_cells: Mapping[str, pl.DataFrame],
    dims: Sequence[str],
    rules: Rules,
    fixed: Bools | None,
    forced: Bools | None,
    fixed_values: Mapping[str, Bools] | None,
    forced_values: Mapping[str, Bools] | None,
) -> Protected:
    lattice = shared_lattice(coordinates(count_cells, dims))
    n = count_cells["n"].to_numpy().astype(np.int64)
    count_primary = primary_count(count_cells, rules)
    counts = suppress(
        lattice, Measure(n, rules.min_households), count_primary, fixed=fixed, forced=forced
    )
    values: dict[str, tuple[Pattern, Bools, Bools]] = {}
    for name, cells in value_cells.items():
        obs, largest, smallest, abs_sum = _value_stats(cells)
        few, dom = _primary_value(obs, largest, smallest, abs_sum, rules)
        measure = Measure(
            size=obs,
            min_size=rules.min_observations,
            abs_sum=abs_sum,
            max_abs=np.maximum(np.abs(largest), np.abs(smallest)),
            dominance_pct=rules.dominance_pct,
        )
        primary = few | dom | counts.suppressed
        fixed_value = None if fixed_values is None else fixed_values.get(name)
        forced_value = None if forced_values is None else forced_values.get(name)
        pattern = suppress(lattice, measure, primary, fixed=fixed_value, forced=forced_value)
        values[name] = (pattern, few, dom)
    return Protected(tuple(dims), lattice, counts, count_primary, values)
