"""Evaluate regelingen over a frame of household-months: every step a column, plus the outcome.

For each regeling (dependencies first, so ``bijstand.norm`` exists before kwijtschelding reads
it) the rows are split by the logic version in force in their month and, for a municipal scheme,
by municipality; each part is evaluated in blocks of rows that fit the CPU cache. The output is
the input frame with, per regeling ``R``:

- ``R.<step>`` for every named step (Float64 in euros or Boolean; null where not computed);
- ``R.recht`` (Boolean, null when niet berekend), ``R.status`` (see :class:`Outcome`),
  ``R.redenen`` (UInt32 bit mask of the failed conditions, see :func:`reason_codes`),
  ``R.bedrag_maand_cents`` and, for a yearly right, ``R.bedrag_jaar_cents`` (Int64).

Amounts become cents by rounding half away from zero, after the regeling's own rounding steps.
"""

from __future__ import annotations

import datetime as dt
import mmap
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl

from entitlement.rules import layout
from entitlement.rules.errors import InputError
from entitlement.rules.frames import (
    as_floats,
    as_numbers,
    check_columns,
    child_counts,
    child_intervals,
    input_arrays,
    municipality_mask,
    used_inputs,
)
from entitlement.rules.inputs import CHILDREN, INPUTS, MONTH_COLUMN, MUNICIPALITY
from entitlement.rules.model import Level, Regeling, Unit
from entitlement.rules.params import Months, months_of
from entitlement.rules.plan import (
    BIT_GEMEENTE,
    BIT_MISSING,
    BIT_PERIOD,
    Buffers,
    Code,
    VersionPlan,
    month_data,
    plan_for,
)
from entitlement.rules.registry import Rules, default_rules
from entitlement.rules.vector import Batch, MonthData, Val

CHUNK_ROWS = 1 << 15
_MAPPED_FROM = 1 << 22  # bytes; smaller columns come from numpy's allocator


class Outcome(StrEnum):
    RECHT = "recht"
    GEEN_RECHT = "geen_recht"
    NIET_VAN_TOEPASSING = "niet_van_toepassing"
    NIET_BEREKEND = "niet_berekend"


OUTCOMES = tuple(Outcome)
OUTCOME_DTYPE = pl.Enum([o.value for o in OUTCOMES])
_LABELS = pl.Series("status", [o.value for o in OUTCOMES], dtype=OUTCOME_DTYPE)

# The engine's own reasons, in the top bits of R.redenen (conditions use bits 0-27).
ENGINE_REASONS = {
    28: "andere_gemeente",
    29: "bedrag_nul",
    30: "niet_berekend",
    31: "buiten_periode",
}


def column(regeling: str, name: str) -> str:
    """The output column of step or result ``name`` of ``regeling``."""
    return f"{regeling}.{name}"


def reason_names(regeling: Regeling, mask: int) -> tuple[str, ...]:
    """The codes in one ``R.redenen`` value: failed conditions first, then engine reasons."""
    found = [code for i, code in enumerate(regeling.reason_codes) if mask >> i & 1]
    found += [name for bit, name in ENGINE_REASONS.items() if mask >> bit & 1]
    return tuple(found)


def reason_codes(frame: pl.DataFrame, regeling: Regeling) -> pl.Series:
    """``R.redenen`` decoded into a list of codes per row (for tables and JSON)."""
    masks = frame[column(regeling.name, "redenen")]
    decoded = {int(m): list(reason_names(regeling, int(m))) for m in masks.unique().to_list()}
    return masks.replace_strict(decoded, return_dtype=pl.List(pl.String)).alias(
        column(regeling.name, "reden_codes")
    )


def evaluate(
    frame: pl.DataFrame,
    rules: Rules | None = None,
    regelingen: Iterable[str] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> pl.DataFrame:
    """The input frame with the step, status and amount columns of the chosen regelingen
    (all by default; the regelingen they depend on are computed and included too)."""
    rules = rules or default_rules()
    wanted = list(rules) if regelingen is None else list(regelingen)
    unknown = [name for name in wanted if name not in rules]
    if unknown:
        raise InputError(f"onbekende regeling: {', '.join(unknown)} (zie hhb calc --list)")
    names = rules.closure(wanted)
    if MONTH_COLUMN not in frame.columns:
        raise InputError("kolom 'month' (eerste dag van de maand) ontbreekt in de invoer")
    months = months_of(frame[MONTH_COLUMN])
    direct: set[str] = set()
    indirect: set[str] = set()
    intervals: set[tuple[int, int]] = set()
    for name in names:
        (direct if name in wanted else indirect).update(used_inputs(rules[name]))
        intervals |= child_intervals(rules[name])
    # A column only a dependency needs may be absent: those rows then see it as empty, so a step
    # that uses it is "niet berekend" while steps that do not (bijstand.vermogensgrens) still work.
    present = direct | {n for n in indirect if INPUTS[n].column in frame.columns}
    check_columns(frame, present)
    inputs = input_arrays(frame, present)
    for absent in (indirect - present) - {CHILDREN, MUNICIPALITY}:
        inputs[absent] = (np.zeros(frame.height), np.ones(frame.height, dtype=bool))
    counts = child_counts(frame, intervals)
    computed: dict[str, Val] = {}
    constancy = layout.Constancy()
    columns: list[pl.Series] = []
    with np.errstate(all="ignore"):  # masked rows may hold anything; their result is null
        for name in names:
            regeling = rules[name]
            buffers = _run(regeling, frame, months, inputs, counts, computed, chunk_rows, constancy)
            columns.extend(_series(regeling, buffers))
    return frame.with_columns(columns)


def _run(
    regeling: Regeling,
    frame: pl.DataFrame,
    months: Months,
    inputs: dict[str, Val],
    counts: dict[tuple[int, int], Val],
    computed: dict[str, Val],
    chunk_rows: int,
    constancy: layout.Constancy,
) -> Buffers:
    n = frame.height
    version_of = np.array(
        [_version_index(regeling, day) for day in months.dates] or [-1], dtype=np.int16
    )
    applies: np.ndarray | None = None
    unknown_place: np.ndarray | None = None
    if regeling.level is Level.GEMEENTELIJK:
        assert regeling.municipality is not None
        applies, unknown_place = municipality_mask(frame, regeling.municipality)
    every_row = len(regeling.versions) == 1 and bool((version_of == 0).all())
    buffers = _allocate(regeling, n, partial=not every_row)
    row_version = version_of[months.index] if n else np.zeros(0, np.int16)
    no_version = row_version < 0
    buffers.reasons[no_version if applies is None else no_version & applies] |= BIT_PERIOD
    for vi in range(len(regeling.versions)):
        month_sel = version_of == vi
        if not month_sel.any():
            continue
        # A municipal scheme is computed for every row and overruled elsewhere afterwards:
        # cheaper than gathering the rows of one municipality out of a frame in store order.
        idx = None if month_sel.all() else np.flatnonzero(month_sel[months.index])
        if idx is not None and idx.size == 0:
            continue
        plan = plan_for(regeling, vi)
        _run_version(plan, months, idx, n, inputs, counts, computed, buffers, chunk_rows, constancy)
    if applies is not None:
        elsewhere = ~applies
        buffers.status[elsewhere] = Code.NIET_VAN_TOEPASSING
        buffers.reasons[elsewhere] = BIT_GEMEENTE
        buffers.month_cents[elsewhere] = 0
        if buffers.year_cents is not None:
            buffers.year_cents[elsewhere] = 0
        if unknown_place is not None:
            buffers.status[unknown_place] = Code.NIET_BEREKEND
            buffers.reasons[unknown_place] = BIT_MISSING
        for step in buffers.steps:
            mask = buffers.missing.get(step)
            if mask is None:
                buffers.missing[step] = elsewhere.copy()
            else:
                mask |= elsewhere
    for step, values in buffers.steps.items():
        computed[column(regeling.name, step)] = (values, buffers.missing.get(step))
    return buffers


def _version_index(regeling: Regeling, day: dt.date) -> int:
    return next((i for i, v in enumerate(regeling.versions) if v.covers(day)), -1)


def _allocate(regeling: Regeling, n: int, *, partial: bool) -> Buffers:
    steps: dict[str, np.ndarray] = {}
    for name in regeling.step_names:
        is_bool = any(
            (s := v.step(name)) is not None and s.unit is Unit.JA_NEE for v in regeling.versions
        )
        # Zeros, not empty: rows of a block that is null throughout are never written (see
        # VersionPlan.run), and fresh zeroed pages cost nothing until they are touched.
        steps[name] = _zeros(n, bool if is_bool else np.float64)
    missing = {name: np.ones(n, dtype=bool) for name in steps} if partial else {}
    return Buffers(
        n=n,
        steps=steps,
        missing=missing,
        status=np.full(n, Code.NIET_BEREKEND, dtype=np.uint8),
        reasons=_zeros(n, np.uint32),
        month_cents=_zeros(n, np.int64),
        year_cents=_zeros(n, np.int64) if regeling.has_year_outcome else None,
    )


def _zeros(n: int, dtype: Any) -> np.ndarray:
    """A zeroed output column in its own anonymous mapping.

    numpy advises the kernel to back large arrays with transparent huge pages; where the kernel
    then compacts memory on a page fault (``defrag=madvise``) filling ~1.3 GB of fresh output
    columns stalls for seconds. A plain mapping gets ordinary zeroed pages, faulted in as the
    rows are written, and is released with the last array (or polars column) that uses it.
    """
    size = n * np.dtype(dtype).itemsize
    if size < _MAPPED_FROM:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, size), dtype=dtype, count=n)


def _slice(val: Val, rows: slice | np.ndarray) -> Val:
    v, m = val
    return (
        v[rows] if isinstance(v, np.ndarray) else v,
        m[rows] if isinstance(m, np.ndarray) else m,
    )


def _run_version(
    plan: VersionPlan,
    months: Months,
    idx: np.ndarray | None,
    n: int,
    inputs: dict[str, Val],
    counts: dict[tuple[int, int], Val],
    computed: dict[str, Val],
    buffers: Buffers,
    chunk_rows: int,
    constancy: layout.Constancy,
) -> None:
    full = month_data(plan.regeling, months)
    plan.prepare_month(full)
    mi_all = months.index if idx is None else months.index[idx]
    own: list[dict[Any, Val]] = [
        {
            k: inputs[k] if idx is None else _slice(inputs[k], idx)
            for k in plan.inputs
            if k in inputs
        },
        {k: counts[k] if idx is None else _slice(counts[k], idx) for k in plan.intervals},
        {k: computed[k] if idx is None else _slice(computed[k], idx) for k in plan.extern},
    ]
    total = n if idx is None else idx.size
    u = len(months.dates)
    if not layout.is_tiled(mi_all, u):
        for start in range(0, total, chunk_rows):
            rows = slice(start, min(total, start + chunk_rows))
            mi = mi_all[rows]
            single = months.single
            if single is None and mi.size and mi[0] == mi[-1] and mi.min() == mi.max():
                single = int(mi[0])
            ins, cnt, ext = ({k: _slice(v, rows) for k, v in d.items()} for d in own)
            ins = {k: as_numbers(k, v) for k, v in ins.items()}
            cnt = {k: as_floats(v) for k, v in cnt.items()}
            batch = Batch(full, mi, single, ins, cnt, ext, shape=(mi.size,))
            plan.run(batch, rows if idx is None else idx[rows], buffers)
        return
    reps, state_of = layout.month_states(plan.regeling, months.dates, plan.calendar)
    compressed: MonthData | None = None
    if reps.size < u:
        compressed = month_data(plan.regeling, layout.representatives(months, reps))
        plan.prepare_month(compressed)
    rep_of_month = reps[state_of]
    values = [v for d in own for v in d.values()]

    def constant(rows: slice) -> bool:
        return compressed is not None and layout.constant_within(
            values, rows, u, rep_of_month, constancy
        )

    # A compressed block holds S (not U) values per household, so it may hold U/S times as
    # many households for the same cache footprint; a block that cannot be compressed is
    # split into blocks of the ordinary size.
    small = max(1, chunk_rows // u) * u
    big = max(1, chunk_rows // reps.size) * u if compressed is not None else small
    for start in range(0, total, big):
        whole = slice(start, min(total, start + big))
        if constant(whole):
            _run_tiled(plan, whole, True, idx, own, full, compressed, reps, state_of, buffers)
            continue
        for sub in range(whole.start, whole.stop, small):
            rows = slice(sub, min(whole.stop, sub + small))
            shrink = constant(rows)
            _run_tiled(plan, rows, shrink, idx, own, full, compressed, reps, state_of, buffers)


def _run_tiled(
    plan: VersionPlan,
    rows: slice,
    shrink: bool,
    idx: np.ndarray | None,
    own: list[dict[Any, Val]],
    full: MonthData,
    compressed: MonthData | None,
    reps: np.ndarray,
    state_of: np.ndarray,
    buffers: Buffers,
) -> None:
    """One block of whole households; with ``shrink`` one column per state, not per month."""
    u = state_of.size
    use = reps if shrink else None
    ins, cnt, ext = ({k: layout.view(v, rows, u, use) for k, v in d.items()} for d in own)
    ins = {k: as_numbers(k, v) for k, v in ins.items()}
    cnt = {k: as_floats(v) for k, v in cnt.items()}
    height = (rows.stop - rows.start) // u
    batch = Batch(
        compressed if shrink and compressed is not None else full,
        None,
        None,
        ins,
        cnt,
        ext,
        tiled=True,
        shape=(height, reps.size if shrink else u),
        expand=state_of if shrink else None,
        width=u,
    )
    plan.run(batch, rows if idx is None else idx[rows], buffers)


def _with_nulls(series: pl.Series, mask: np.ndarray | None) -> pl.Series:
    """``series`` with nulls where ``mask``; without copying the values where possible."""
    if mask is None or not mask.any():
        return series
    if mask.all():
        return pl.repeat(None, series.len(), dtype=series.dtype, eager=True).alias(series.name)
    return series.set(pl.Series(mask), None)


def _series(regeling: Regeling, buffers: Buffers) -> list[pl.Series]:
    name = regeling.name
    out = [
        _with_nulls(pl.Series(column(name, step), values), buffers.missing.get(step))
        for step, values in buffers.steps.items()
    ]
    not_computed = buffers.status == Code.NIET_BEREKEND
    out.append(
        _with_nulls(pl.Series(column(name, "recht"), buffers.status == Code.RECHT), not_computed)
    )
    out.append(_LABELS.gather(pl.Series(buffers.status)).alias(column(name, "status")))
    out.append(pl.Series(column(name, "redenen"), buffers.reasons))
    out.append(
        _with_nulls(
            pl.Series(column(name, "bedrag_maand_cents"), buffers.month_cents), not_computed
        )
    )
    if buffers.year_cents is not None:
        out.append(
            _with_nulls(
                pl.Series(column(name, "bedrag_jaar_cents"), buffers.year_cents), not_computed
            )
        )
    return out
