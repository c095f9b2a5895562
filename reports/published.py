"""From a protected table to the rows an analyst may see: values only where published, counts
rounded as the rules say, percentages where the denominator allows, and for every suppressed
figure the reason in Dutch.

A suppressed figure is null, never a zero or a placeholder; a reason never states the hidden
number (it says "minder dan 10", not "3").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

import numpy as np
import polars as pl

from reports.cube import TOTAL
from reports.disclosure import Protected, Rules, Status, round_count
from reports.secondary import NONE, Pattern

PUBLISHED_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "variabele": pl.String,
    "huishoudens": pl.Int64,
    "status_huishoudens": pl.String,
    "percentage": pl.Float64,
    "status_percentage": pl.String,
    "som": pl.Int64,
    "gemiddelde": pl.Int64,
    "mediaan": pl.Int64,
    "status_waarde": pl.String,
    "reden": pl.String,
}
"""Columns after the table's dimension columns. ``percentage``: share of the households of the
same area (the cell with the other dimensions at TOTAL). ``som``/``gemiddelde``/``mediaan`` in
the value's unit (cents for money)."""


def cell_label(cells: pl.DataFrame, dims: Sequence[str], labels: Mapping[str, str], i: int) -> str:
    return _label({d: cells[d].to_list() for d in dims}, labels, i)


def _label(columns: Mapping[str, Sequence[object]], labels: Mapping[str, str], i: int) -> str:
    parts = [f"{labels.get(d, d)} {values[i]}" for d, values in columns.items()]
    return ", ".join(parts) if parts else TOTAL


def _secondary_reason(pattern: Pattern, i: int, label: Callable[[int], str]) -> str:
    protects, via = int(pattern.protects[i]), int(pattern.via[i])
    if protects == NONE:
        return "secundair: dezelfde huishoudens als een onderdrukte cel in een andere tabel"
    if protects == i:
        return (
            f"secundair: het verschil met {label(via)} zou een te kleine of door één "
            "huishouden gedomineerde groep onthullen"
        )
    if via == i:
        return f"secundair: anders is {label(protects)} afleidbaar uit deze marge"
    return f"secundair: anders is {label(protects)} afleidbaar uit marge {label(via)}"


def _mean(total: int, count: int) -> int:
    """Integer mean rounded half away from zero (money stays integer cents)."""
    q = (abs(total) * 2 + count) // (2 * count)
    return q if total >= 0 else -q


def _denominators(coords: np.ndarray, share: Sequence[bool]) -> list[int]:
    """Per cell the cell of its percentage's denominator: the same coordinates in the
    dimensions of ``share``, the margin (TOTAL) in the others. Cells are found by a
    mixed-radix key, as :func:`reports.secondary.build_lattice` does."""
    m, d = coords.shape
    if d == 0 or m == 0:
        return list(range(m))
    extent = coords.max(axis=0) + 2  # a coordinate shifted by one, so a margin is 0
    strides = np.cumprod([1, *extent[:0:-1].tolist()])[::-1].astype(np.int64)
    keys = (coords + 1) @ strides
    position = np.full(int(np.prod(extent)), -1, dtype=np.int64)
    position[keys] = np.arange(m, dtype=np.int64)
    wanted = np.where(np.asarray(share, dtype=np.bool_)[None, :], coords, NONE)
    found = position[(wanted + 1) @ strides]
    if (found < 0).any():
        raise KeyError("incomplete grid: a percentage has no denominator cell")
    return [int(x) for x in found]


def published(
    count_cells: pl.DataFrame,
    value_cells: Mapping[str, pl.DataFrame],
    protected: Protected,
    rules: Rules,
    *,
    share_within: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    notes: Mapping[int, str] | None = None,
) -> pl.DataFrame:
    """The published rows: one per cell for a count-only table, else one per cell and value.

    Columns: the dimensions, then :data:`PUBLISHED_SCHEMA`. ``notes`` give the reason for
    cells the caller forced hidden (by cell index), where the default reason does not fit.
    """
    dims = protected.dims
    names = labels or {}
    # Plain lists: a cell at a time from a Series costs more than the rest of this function.
    columns = {d: count_cells[d].to_list() for d in dims}

    def label(i: int) -> str:
        return _label(columns, names, i)

    n = count_cells["n"].to_list()
    counts_hidden = protected.counts.suppressed.tolist()
    denominators = _denominators(protected.lattice.coords, [d in share_within for d in dims])
    huishoudens: list[int | None] = []
    count_status: list[str] = []
    percentages: list[float | None] = []
    pct_statuses: list[str] = []
    count_reasons: list[list[str]] = []
    for i in range(len(n)):
        reasons: list[str] = []
        hidden = counts_hidden[i]
        if hidden:
            huishoudens.append(None)
            count_status.append(Status.ONDERDRUKT.value)
            if protected.count_primary[i]:
                reasons.append(f"te weinig huishoudens (minder dan {rules.min_households})")
            elif notes and i in notes and protected.counts.protects[i] == NONE:
                reasons.append(notes[i])
            else:
                reasons.append(_secondary_reason(protected.counts, i, label))
        else:
            huishoudens.append(round_count(n[i], rules.round_counts_to))
            count_status.append(Status.GEPUBLICEERD.value)
        denominator = denominators[i]
        pct: float | None = None
        if denominator == i or n[denominator] == 0:
            pct_status = Status.NVT
        elif hidden:
            pct_status = Status.ONDERDRUKT
        elif counts_hidden[denominator]:
            pct_status = Status.ONDERDRUKT
            reasons.append("percentage: noemer onderdrukt")
        elif n[denominator] < rules.min_denominator:
            pct_status = Status.ONDERDRUKT
            reasons.append(f"percentage: noemer kleiner dan {rules.min_denominator} huishoudens")
        else:
            pct_status = Status.GEPUBLICEERD
            pct = round(100 * n[i] / n[denominator], 1)
        percentages.append(pct)
        pct_statuses.append(pct_status.value)
        count_reasons.append(reasons)
    schema = {d: pl.String for d in dims} | PUBLISHED_SCHEMA
    # Built a column at a time (a dict per row cost more than the rules above).
    count_part = count_cells.select(*dims).with_columns(
        pl.Series("huishoudens", huishoudens, pl.Int64),
        pl.Series("status_huishoudens", count_status, pl.String),
        pl.Series("percentage", percentages, pl.Float64),
        pl.Series("status_percentage", pct_statuses, pl.String),
    )
    parts: list[pl.DataFrame] = []
    if not value_cells:
        reden = ["; ".join(r) or None for r in count_reasons]
        parts.append(
            count_part.with_columns(
                pl.lit(None, pl.String).alias("variabele"),
                *(pl.lit(None, pl.Int64).alias(c) for c in ("som", "gemiddelde", "mediaan")),
                pl.lit(Status.NVT.value, pl.String).alias("status_waarde"),
                pl.Series("reden", reden, pl.String),
            )
        )
    for name, cells in value_cells.items():
        pattern, few, dom = protected.values[name]
        obs = cells["obs"].to_list()
        hidden_values, few_, dom_ = pattern.suppressed.tolist(), few.tolist(), dom.tolist()
        statuses: list[str] = []
        value_reasons: list[str | None] = []
        for i, reasons in enumerate(count_reasons):
            if obs[i] == 0 and not hidden_values[i]:
                statuses.append(Status.LEEG.value)
            elif hidden_values[i]:
                statuses.append(Status.ONDERDRUKT.value)
                if counts_hidden[i]:
                    why = "waarde: aantal huishoudens onderdrukt"
                elif few_[i]:
                    why = f"waarde: te weinig waarnemingen (minder dan {rules.min_observations})"
                elif dom_[i]:
                    why = (
                        f"waarde: dominantie (één huishouden heeft meer dan "
                        f"{rules.dominance_pct}% van de som)"
                    )
                else:
                    why = "waarde: " + _secondary_reason(pattern, i, label)
                reasons = [*reasons, why]
            else:
                statuses.append(Status.GEPUBLICEERD.value)
            value_reasons.append("; ".join(reasons) or None)
        shown = pl.Series("shown", statuses, pl.String) == Status.GEPUBLICEERD.value
        total, count = pl.col("sum").cast(pl.Int64), pl.col("obs").cast(pl.Int64)
        # _mean, on whole columns: rounded half away from zero, integer cents
        mean = (total.abs() * 2 + count) // (2 * count)
        values = cells.select(
            pl.when(shown).then(total).otherwise(None).alias("som"),
            pl.when(shown)
            .then(pl.when(total >= 0).then(mean).otherwise(-mean))
            .otherwise(None)
            .alias("gemiddelde"),
            pl.when(shown).then(pl.col("median").cast(pl.Int64)).otherwise(None).alias("mediaan"),
        )
        parts.append(
            pl.concat([count_part, values], how="horizontal").with_columns(
                pl.lit(name, pl.String).alias("variabele"),
                pl.Series("status_waarde", statuses, pl.String),
                pl.Series("reden", value_reasons, pl.String),
            )
        )
    if not parts or not count_cells.height:
        return pl.DataFrame(schema=schema)
    return pl.concat([part.select(list(schema)) for part in parts]).cast(schema)  # type: ignore[arg-type]


def suppressed_counts(protected: Protected) -> dict[str, int]:
    """How many cells were suppressed, by statistic and kind (primary/secondary)."""
    out = {
        "aantallen_primair": int(protected.count_primary.sum()),
        "aantallen_secundair": int((protected.counts.suppressed & ~protected.count_primary).sum()),
    }
    for name, (pattern, few, dom) in protected.values.items():
        primary = few | dom | protected.counts.suppressed
        out[f"{name}_primair"] = int((pattern.suppressed & (few | dom)).sum())
        out[f"{name}_secundair"] = int((pattern.suppressed & ~primary).sum())
    return out
