"""From a protected table to the rows an analyst may see: values only where published, counts
rounded as the rules say, percentages where the denominator allows, and for every suppressed
figure the reason in Dutch.

A suppressed figure is null, never a zero or a placeholder; a reason never states the hidden
number (it says "minder dan 10", not "3").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

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
    coords = protected.lattice.coords.tolist()
    index = {tuple(row): i for i, row in enumerate(coords)}
    share = [d in share_within for d in dims]
    count_rows: list[dict[str, object]] = []
    count_reasons: list[list[str]] = []
    for i in range(len(n)):
        row: dict[str, object] = {d: values[i] for d, values in columns.items()}
        reasons: list[str] = []
        hidden = counts_hidden[i]
        if hidden:
            row["huishoudens"], row["status_huishoudens"] = None, Status.ONDERDRUKT
            if protected.count_primary[i]:
                reasons.append(f"te weinig huishoudens (minder dan {rules.min_households})")
            elif notes and i in notes and protected.counts.protects[i] == NONE:
                reasons.append(notes[i])
            else:
                reasons.append(_secondary_reason(protected.counts, i, label))
        else:
            row["huishoudens"] = round_count(n[i], rules.round_counts_to)
            row["status_huishoudens"] = Status.GEPUBLICEERD
        key = tuple(c if s else NONE for c, s in zip(coords[i], share, strict=True))
        denominator = index[key]
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
        row["percentage"], row["status_percentage"] = pct, pct_status
        count_rows.append(row)
        count_reasons.append(reasons)
    out: list[dict[str, object]] = []
    if not value_cells:
        for row, reasons in zip(count_rows, count_reasons, strict=True):
            out.append(
                row
                | {"variabele": None, "som": None, "gemiddelde": None, "mediaan": None}
                | {"status_waarde": Status.NVT, "reden": "; ".join(reasons) or None}
            )
    for name, cells in value_cells.items():
        pattern, few, dom = protected.values[name]
        obs, sums, medians = (cells[c].to_list() for c in ("obs", "sum", "median"))
        hidden_values, few_, dom_ = pattern.suppressed.tolist(), few.tolist(), dom.tolist()
        for i, base in enumerate(count_rows):
            row = dict(base)
            reasons = list(count_reasons[i])
            values: dict[str, object] = {"som": None, "gemiddelde": None, "mediaan": None}
            if obs[i] == 0 and not hidden_values[i]:
                status = Status.LEEG
            elif hidden_values[i]:
                status = Status.ONDERDRUKT
                if counts_hidden[i]:
                    reasons.append("waarde: aantal huishoudens onderdrukt")
                elif few_[i]:
                    reasons.append(
                        f"waarde: te weinig waarnemingen (minder dan {rules.min_observations})"
                    )
                elif dom_[i]:
                    reasons.append(
                        f"waarde: dominantie (één huishouden heeft meer dan "
                        f"{rules.dominance_pct}% van de som)"
                    )
                else:
                    reasons.append("waarde: " + _secondary_reason(pattern, i, label))
            else:
                status = Status.GEPUBLICEERD
                total = int(sums[i])
                values = {
                    "som": total,
                    "gemiddelde": _mean(total, int(obs[i])),
                    "mediaan": medians[i],
                }
            out.append(
                row
                | {"variabele": name}
                | values
                | {"status_waarde": status, "reden": "; ".join(reasons) or None}
            )
    schema = {d: pl.String for d in dims} | PUBLISHED_SCHEMA
    frame = pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)
    return frame.with_columns(pl.col(c).cast(pl.String) for c in schema if c.startswith("status"))


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
