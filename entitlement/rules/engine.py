"""Evaluate regelingen over a frame of household-months: every step kept, plus the outcome.

For each regeling (dependencies first, so ``bijstand.norm`` exists before kwijtschelding reads
it) the rows are split by the logic version in force in their month; each part is evaluated in
blocks of rows that fit the CPU cache. A block of whole households whose inputs do not change
within a parameter state is computed once per household and state (see :mod:`layout`), and its
results are kept that way: :func:`evaluate_compact` returns per regeling a small table of
distinct rows and, per household-month, the row holding its values (see :mod:`result`).
Regelingen that do not read each other's steps run side by side in threads (see :mod:`schedule`:
an idle thread takes the ready regeling with the costliest chain of work ahead of it), and the
tables' arrays come from the rules' :class:`~entitlement.rules.arena.Arena`, which reuses the
memory of results that are no longer used.

:func:`evaluate` spreads those tables over the input frame, with per regeling ``R``:

- ``R.<step>`` for every named step (Float64 in euros or Boolean; null where not computed);
- ``R.recht`` (Boolean, null when niet berekend), ``R.status`` (see :class:`Outcome`),
  ``R.redenen`` (UInt32 bit mask of the failed conditions, see :func:`reason_codes`),
  ``R.bedrag_maand_cents`` and, for a yearly right, ``R.bedrag_jaar_cents`` (Int64).

Amounts become cents by rounding half away from zero, after the regeling's own rounding steps.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import polars as pl

from entitlement.rules import layout
from entitlement.rules.arena import Arena
from entitlement.rules.errors import InputError
from entitlement.rules.expr import Ref, walk
from entitlement.rules.frames import (
    ChildCounts,
    as_numbers,
    check_columns,
    child_intervals,
    input_arrays,
    municipality_mask,
    packed_child_counts,
    used_inputs,
)
from entitlement.rules.inputs import CHILDREN, INPUTS, MONTH_COLUMN, MUNICIPALITY
from entitlement.rules.model import Level, Regeling, Unit
from entitlement.rules.params import Months, months_of
from entitlement.rules.plan import Buffers, VersionPlan, month_data, plan_for
from entitlement.rules.registry import Rules, default_rules
from entitlement.rules.result import (
    OUTCOME_DTYPE,
    OUTCOMES,
    ROW_ELSEWHERE,
    ROW_UNKNOWN_PLACE,
    SHARED_REASONS,
    SHARED_STATUS,
    Evaluation,
    Indexed,
    Outcome,
    RowIndex,
    Table,
    column,
)
from entitlement.rules.schedule import Task, run_tasks
from entitlement.rules.vector import Batch, MonthData, Val

__all__ = [
    "ENGINE_REASONS",
    "OUTCOMES",
    "OUTCOME_DTYPE",
    "Evaluation",
    "Outcome",
    "column",
    "evaluate",
    "evaluate_compact",
    "reason_codes",
    "reason_names",
]

CHUNK_ROWS = 1 << 15
THREADS = min(2, os.cpu_count() or 1)  # regelingen evaluated side by side
_THREADED_FROM = 50_000  # rows; smaller frames run in one thread


# The engine's own reasons, in the top bits of R.redenen (conditions use bits 0-27).
ENGINE_REASONS = {
    28: "andere_gemeente",
    29: "bedrag_nul",
    30: "niet_berekend",
    31: "buiten_periode",
}


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
    return evaluate_compact(frame, rules, regelingen, chunk_rows=chunk_rows).frame()


def evaluate_compact(
    frame: pl.DataFrame,
    rules: Rules | None = None,
    regelingen: Iterable[str] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> Evaluation:
    """As :func:`evaluate`, with every step kept in compact tables (see
    :mod:`entitlement.rules.result`) instead of spread over full columns.

    The tables' arrays belong to the returned :class:`Evaluation` (and to whatever is made from
    them: a table frame, a polars column); their memory goes back to ``rules.arena`` for a later
    call only when none of those is used any more, so results alive together never share it.
    """
    rules = rules or default_rules()
    wanted = list(rules) if regelingen is None else list(regelingen)
    unknown = [name for name in wanted if name not in rules]
    if unknown:
        raise InputError(f"onbekende regeling: {', '.join(unknown)} (zie hhb calc --list)")
    names = rules.closure(wanted)
    if MONTH_COLUMN not in frame.columns:
        raise InputError("kolom 'month' (eerste dag van de maand) ontbreekt in de invoer")
    direct: set[str] = set()
    indirect: set[str] = set()
    intervals: set[tuple[int, int]] = set()
    read_elsewhere: set[str] = set()  # steps another regeling reads (bijstand.norm)
    for name in names:
        uses, children, reads = _reads(rules[name])
        (direct if name in wanted else indirect).update(uses)
        intervals |= children
        read_elsewhere |= reads
    # A column only a dependency needs may be absent: those rows then see it as empty, so a step
    # that uses it is "niet berekend" while steps that do not (bijstand.vermogensgrens) still work.
    present = direct | {n for n in indirect if INPUTS[n].column in frame.columns}
    computed: dict[str, Indexed] = {}
    constancy = layout.Constancy()
    shared: dict[str, Any] = {}  # what the first task prepares for every regeling

    def prepare() -> None:
        months = months_of(frame[MONTH_COLUMN])
        check_columns(frame, present)
        inputs = input_arrays(frame, present)
        for absent in (indirect - present) - {CHILDREN, MUNICIPALITY}:
            inputs[absent] = (np.zeros(frame.height), np.ones(frame.height, dtype=bool))
        shared["months"], shared["inputs"] = months, inputs

    def run(name: str) -> Table:
        deps = tuple(rules[d] for d in sorted(rules.dependencies(name)))
        counts = shared["counts"] if _reads(rules[name])[1] else _NO_COUNTS
        with np.errstate(all="ignore"):  # masked rows may hold anything; their result is null
            table = _run(
                rules[name],
                deps,
                frame,
                shared["months"],
                shared["inputs"],
                counts,
                computed,
                chunk_rows,
                constancy,
                rules.arena,
            )
        for step in table.steps:
            if column(name, step) in read_elsewhere:
                computed[column(name, step)] = table.indexed(step)
        return table

    def count_children() -> None:
        shared["counts"] = packed_child_counts(frame, intervals)

    # Regelingen run side by side (numpy releases the GIL inside its loops); one that reads
    # another's steps starts after it. Each writes only its own table, so the order is
    # immaterial; an idle thread takes the ready task with the costliest chain ahead of it
    # (estimated from earlier runs, see _cost). The children's ages are counted beside the
    # preparation of the other inputs.
    n = frame.height
    tasks = [
        Task(_PREPARE, _timed(_PREPARE, prepare, n), cost=_cost(_PREPARE, n)),
        Task(_COUNT, _timed(_COUNT, count_children, n), cost=_cost(_COUNT, n)),
    ]
    for name in names:
        regeling = rules[name]
        needs = (_PREPARE,) + ((_COUNT,) if _reads(regeling)[1] else ())
        needs += tuple(sorted(rules.dependencies(name)))
        tasks.append(
            Task(name, _timed(regeling, functools.partial(run, name), n), needs, _cost(regeling, n))
        )
    workers = THREADS if frame.height >= _THREADED_FROM and len(names) > 1 else 1
    done = run_tasks(tasks, workers)
    return Evaluation(frame, {name: done[name] for name in names})


_PREPARE, _COUNT = "(invoer)", "(kinderen)"  # task names no regeling can have
_NO_COUNTS = ChildCounts((), None, {})  # for a regeling that reads no children's ages
# CPU seconds per household-month of each task in the last run of at least _THREADED_FROM rows,
# per regeling object (kept alive by the entry, so ids stay unique) or preparation task.
_COSTS: dict[object, tuple[object, float]] = {}


def _key(task: Regeling | str) -> object:
    return task if isinstance(task, str) else id(task)


def _cost(task: Regeling | str, n: int) -> float:
    """The estimated CPU seconds of a task on ``n`` rows: as measured before, else the mean of
    what was measured (every task alike on a first run)."""
    hit = _COSTS.get(_key(task))
    if hit is not None and (isinstance(task, str) or hit[0] is task):
        return hit[1] * n
    known = [per_row for _, per_row in _COSTS.values()]
    return (sum(known) / len(known) if known else 1e-7) * n


def _timed(task: Regeling | str, fn: Callable[[], Any], n: int) -> Callable[[], Any]:
    """``fn``, recording its CPU time per row (thread time) for :func:`_cost` on large frames."""

    def run() -> Any:
        start = time.thread_time()
        value = fn()
        if n >= _THREADED_FROM:
            if len(_COSTS) > 256:  # rules rebuilt over and over (what-if, tests): start afresh
                _COSTS.clear()
            _COSTS[_key(task)] = (task, (time.thread_time() - start) / n)
        return value

    return run


_READS: dict[int, tuple[Regeling, tuple[set[str], set[tuple[int, int]], set[str]]]] = {}


def _reads(regeling: Regeling) -> tuple[set[str], set[tuple[int, int]], set[str]]:
    """The inputs, child age intervals and other regelingen's steps a regeling reads (walked
    once per regeling object; the sets are shared, do not change them)."""
    hit = _READS.get(id(regeling))
    if hit is not None and hit[0] is regeling:
        return hit[1]
    found = (used_inputs(regeling), child_intervals(regeling), _extern_refs(regeling))
    if len(_READS) > 256:  # rules rebuilt over and over (what-if, tests): start afresh
        _READS.clear()
    _READS[id(regeling)] = (regeling, found)  # keeps ``regeling`` alive: ids stay unique
    return found


def _extern_refs(regeling: Regeling) -> set[str]:
    return {
        node.qualified
        for version in regeling.versions
        for expr in [s.expr for s in version.steps] + [c.expr for c in version.conditions]
        for node in walk(expr)
        if isinstance(node, Ref) and node.regeling is not None
    }


class _Pieces:
    """The distinct rows of one regeling, written block by block, and the row index.

    The arrays are allocated for the worst case (every household-month its own row) from the
    rules' :class:`~entitlement.rules.arena.Arena`; only the pages of rows actually written are
    ever touched, and :meth:`table` tells the arena how much of each array that was.
    """

    def __init__(self, regeling: Regeling, n: int, arena: Arena, u: int | None = None) -> None:
        """With ``u`` the frame is in household order (U months each) and every household is
        computed as a whole: the row index is kept per household (see :class:`RowIndex`)."""
        self.regeling = regeling
        self.arena = arena
        _zeros = arena.zeros
        dtype = np.int32 if n < 2**31 - 8 else np.int64
        self.rows = (
            RowIndex(_zeros(n, dtype))  # 0: ROW_PERIOD
            if u is None
            else RowIndex.per_household(n // u, u, dtype, _zeros)
        )
        capacity = n + SHARED_STATUS.size
        tag = regeling.name  # the arena gives each array the region it had last time
        steps: dict[str, np.ndarray] = {}
        for name in regeling.step_names:
            is_bool = any(
                (s := v.step(name)) is not None and s.unit is Unit.JA_NEE for v in regeling.versions
            )
            steps[name] = _zeros(capacity, bool if is_bool else np.float64, (tag, name))
        self.buffers = Buffers(
            n=capacity,
            steps=steps,
            missing={},
            status=_zeros(capacity, np.uint8, (tag, 1)),
            reasons=_zeros(capacity, np.uint32, (tag, 2)),
            month_cents=_zeros(capacity, np.int64, (tag, 3)),
            year_cents=_zeros(capacity, np.int64, (tag, 4)) if regeling.has_year_outcome else None,
            alloc=_zeros,
        )
        self.buffers.status[: SHARED_STATUS.size] = SHARED_STATUS
        self.buffers.reasons[: SHARED_STATUS.size] = SHARED_REASONS
        self.size = SHARED_STATUS.size

    def run(
        self,
        plan: VersionPlan,
        batch: Batch,
        rows: slice | np.ndarray,
        states: np.ndarray | None = None,
        households: slice | np.ndarray | None = None,
    ) -> None:
        """Evaluate one block into the next distinct rows; ``rows`` are its household-months
        (``households``: the households they make up, when the index is kept per household).

        Without ``states`` every household-month is a distinct row; with it the block is
        (households, S) compressed and ``states`` gives each month's state.
        """
        count = int(np.prod(batch.shape)) if batch.tiled else batch.shape[0]
        target = slice(self.size, self.size + count)
        plan.run(batch, target, self.buffers)
        step_names = plan.step_names
        for name in self.buffers.steps:
            if name not in step_names:  # a step of another logic version
                self.buffers.mark(batch, name, target, True)
        if self.rows.first is not None:
            assert households is not None and batch.tiled
            first = np.arange(
                target.start, target.stop, batch.shape[1], dtype=self.rows.first.dtype
            )
            self.rows.place(households, first, states)
            self.size = target.stop
            return
        index = self.rows.array()
        if states is None:
            index[rows] = np.arange(target.start, target.stop, dtype=index.dtype)
        else:
            count_households, width = batch.shape
            first = np.arange(target.start, target.stop, width, dtype=index.dtype)
            place = first[:, None] + states.astype(index.dtype)[None, :]
            if isinstance(rows, slice):
                index[rows].reshape(count_households, states.size)[...] = place
            else:
                index[rows] = place.reshape(-1)
        self.size = target.stop

    def table(self) -> Table:
        b, size = self.buffers, self.size
        shared = SHARED_STATUS.size
        missing: dict[str, np.ndarray] = {}
        none_missing: np.ndarray | None = None  # one read-only mask for every step without
        for name in b.steps:
            mask = b.missing.get(name)
            if mask is None:
                if none_missing is None:
                    none_missing = self.arena.zeros(size, bool)
                    none_missing[:shared] = True
                    none_missing.setflags(write=False)
                missing[name] = none_missing
                continue
            mask[:shared] = True
            missing[name] = mask[:size]
        # Nothing is written past the distinct rows: only they need zeroing when reused.
        kept = [*b.steps.values(), *b.missing.values(), b.status, b.reasons, b.month_cents]
        for array in kept + ([] if b.year_cents is None else [b.year_cents]):
            self.arena.written(array, size * array.itemsize)
        return Table(
            regeling=self.regeling,
            rows=self.rows,
            steps={name: values[:size] for name, values in b.steps.items()},
            missing=missing,
            status=b.status[:size],
            reasons=b.reasons[:size],
            month_cents=b.month_cents[:size],
            year_cents=None if b.year_cents is None else b.year_cents[:size],
        )


def _run(
    regeling: Regeling,
    deps: tuple[Regeling, ...],
    frame: pl.DataFrame,
    months: Months,
    inputs: dict[str, Val],
    counts: ChildCounts,
    computed: dict[str, Indexed],
    chunk_rows: int,
    constancy: layout.Constancy,
    arena: Arena,
) -> Table:
    n = frame.height
    version_of = np.array(
        [_version_index(regeling, day) for day in months.dates] or [-1], dtype=np.int16
    )
    u = len(months.dates)
    # One logic version for every month of a frame in household order: every household is
    # computed as a whole, so its rows follow from its first row (see RowIndex).
    whole = (
        u > 1
        and bool((version_of == version_of[0]).all())
        and version_of[0] >= 0
        and constancy.tiled(months.index, u)
    )
    pieces = _Pieces(regeling, n, arena, u if whole else None)
    applies: np.ndarray | None = None
    unknown_place: np.ndarray | None = None
    here: np.ndarray | None = None  # the rows computed for a municipal scheme
    if regeling.level is Level.GEMEENTELIJK:
        assert regeling.municipality is not None
        applies, unknown_place = municipality_mask(frame, regeling.municipality)
        here = _whole_households(applies, months, constancy)
    for vi in range(len(regeling.versions)):
        month_sel = version_of == vi
        if not month_sel.any():
            continue
        # A municipal scheme is computed only for the households with a month in that
        # municipality (whole households, so a block still holds U months per household);
        # the other rows are overruled below.
        households = None
        if here is None:
            idx = None if month_sel.all() else np.flatnonzero(month_sel[months.index])
        else:
            chosen = here if month_sel.all() else here & month_sel[months.index]
            idx = None if chosen.all() else np.flatnonzero(chosen)
            if idx is not None and month_sel.all() and constancy.tiled(months.index, u):
                households = idx[::u] // u  # whole households: blocks gather what they read
        if idx is not None and idx.size == 0:
            continue
        plan = plan_for(regeling, vi)
        _run_version(
            plan,
            deps,
            months,
            idx,
            households,
            n,
            inputs,
            counts,
            computed,
            pieces,
            chunk_rows,
            constancy,
        )
    first = pieces.rows.first
    if applies is not None and first is not None:
        assert here is not None
        first[~here[::u]] = ROW_ELSEWHERE  # no month here: all elsewhere (no month map)
        apart = ~applies & here if unknown_place is None else ~applies & (here | unknown_place)
        fix_rows = np.flatnonzero(apart)
        fix_values = np.full(fix_rows.size, ROW_ELSEWHERE, dtype=first.dtype)
        if unknown_place is not None:
            fix_values[unknown_place[fix_rows]] = ROW_UNKNOWN_PLACE
        pieces.rows.fix_rows, pieces.rows.fix_values = fix_rows, fix_values
    elif applies is not None:
        index = pieces.rows.array()
        index[~applies] = ROW_ELSEWHERE
        if unknown_place is not None:
            index[unknown_place] = ROW_UNKNOWN_PLACE
    return pieces.table()


def _whole_households(rows: np.ndarray, months: Months, constancy: layout.Constancy) -> np.ndarray:
    """``rows`` widened to every month of a household with one of them (frames that come
    household by household, U months each; otherwise ``rows`` itself)."""
    u = len(months.dates)
    if not constancy.tiled(months.index, u):
        return rows
    return np.repeat(rows.reshape(-1, u).any(axis=1), u)


def _version_index(regeling: Regeling, day: dt.date) -> int:
    return next((i for i, v in enumerate(regeling.versions) if v.covers(day)), -1)


def _slice(val: Val, rows: slice | np.ndarray) -> Val:
    v, m = val
    return (
        v[rows] if isinstance(v, np.ndarray) else v,
        m[rows] if isinstance(m, np.ndarray) else m,
    )


def _run_version(
    plan: VersionPlan,
    deps: tuple[Regeling, ...],
    months: Months,
    idx: np.ndarray | None,
    households: np.ndarray | None,
    n: int,
    inputs: dict[str, Val],
    counts: ChildCounts,
    computed: dict[str, Indexed],
    pieces: _Pieces,
    chunk_rows: int,
    constancy: layout.Constancy,
) -> None:
    """Evaluate the rows ``idx`` (all when None); with ``households`` those rows are every month
    of these households of a frame in household order, and blocks gather them as they go."""
    full = month_data(plan.regeling, months)
    plan.prepare_month(full)
    gather = None if households is not None else idx
    own: list[dict[Any, Val]] = [
        {
            k: inputs[k] if gather is None else _slice(inputs[k], gather)
            for k in plan.inputs
            if k in inputs
        },
        {
            w: (counts.words[w], counts.missing)
            if gather is None
            else _slice((counts.words[w], counts.missing), gather)
            for w in sorted({f[0] for k in plan.intervals for f in counts.fields[k]})
        },
    ]
    extern = {k: computed[k] if gather is None else computed[k].subset(gather) for k in plan.extern}
    total = n if idx is None else idx.size
    u = len(months.dates)
    mi_all = months.index if gather is None else months.index[gather]
    if households is None and not constancy.tiled(mi_all, u):
        for start in range(0, total, chunk_rows):
            rows = slice(start, min(total, start + chunk_rows))
            mi = mi_all[rows]
            single = months.single
            if single is None and mi.size and mi[0] == mi[-1] and mi.min() == mi.max():
                single = int(mi[0])
            ins, words = ({k: _slice(v, rows) for k, v in d.items()} for d in own)
            ext = {k: e.take(rows) for k, e in extern.items()}
            ins = {k: as_numbers(k, v) for k, v in ins.items()}
            cnt = _unpack(counts, plan.intervals, words)
            batch = Batch(full, mi, single, ins, cnt, ext, shape=(mi.size,))
            pieces.run(plan, batch, rows if idx is None else idx[rows])
        return
    reps, state_of = layout.month_states(plan.regeling, months.dates, plan.calendar, deps)
    compressed: MonthData | None = None
    if reps.size < u:
        compressed = month_data(plan.regeling, layout.representatives(months, reps))
        plan.prepare_month(compressed)
    rep_of_month = reps[state_of]
    # Another regeling's step is constant within a state where its row index is.
    values = [v for d in own for v in d.values()] + [(e.index, None) for e in extern.values()]

    def constant(rows: slice) -> bool:
        return compressed is not None and layout.constant_within(
            values, rows, u, rep_of_month, constancy, households
        )

    def tiled(rows: slice, shrink: bool) -> None:
        args = (idx, households, own, counts, extern, full, compressed, reps, state_of, pieces)
        _run_tiled(plan, rows, shrink, *args)

    # A compressed block holds S (not U) values per household, so it may hold U/S times as
    # many households for the same cache footprint; a block that cannot be compressed is
    # split into blocks of the ordinary size.
    small = max(1, chunk_rows // u) * u
    big = max(1, chunk_rows // reps.size) * u if compressed is not None else small
    for start in range(0, total, big):
        whole = slice(start, min(total, start + big))
        if constant(whole):
            tiled(whole, True)
            continue
        for sub in range(whole.start, whole.stop, small):
            rows = slice(sub, min(whole.stop, sub + small))
            tiled(rows, constant(rows))


def _unpack(
    counts: ChildCounts, intervals: set[tuple[int, int]], words: dict[Any, Val]
) -> dict[tuple[int, int], Val]:
    """The child counts per interval of one block, from its part of the packed words."""
    if not words:
        return {}
    mask = next(iter(words.values()))[1]
    arrays = tuple(words[w][0] if w in words else np.zeros(0) for w in range(len(counts.words)))
    return {k: (counts.unpack(k, arrays), mask) for k in intervals}


def _run_tiled(
    plan: VersionPlan,
    rows: slice,
    shrink: bool,
    idx: np.ndarray | None,
    households: np.ndarray | None,
    own: list[dict[Any, Val]],
    counts: ChildCounts,
    extern: dict[str, Indexed],
    full: MonthData,
    compressed: MonthData | None,
    reps: np.ndarray,
    state_of: np.ndarray,
    pieces: _Pieces,
) -> None:
    """One block of whole households; with ``shrink`` one row per state, not per month."""
    u = state_of.size
    use = reps if shrink else None
    at = None if households is None else layout.positions(households, rows, u, use)
    ins, words = ({k: layout.view(v, rows, u, use, at) for k, v in d.items()} for d in own)
    ext = {k: e.view(rows, u, use, at) for k, e in extern.items()}
    ins = {k: as_numbers(k, v) for k, v in ins.items()}
    cnt = _unpack(counts, plan.intervals, words)
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
    )
    target = rows if idx is None else idx[rows]
    whole: slice | np.ndarray | None = None
    if pieces.rows.first is not None:
        part = slice(rows.start // u, rows.stop // u)
        whole = part if households is None else households[part]
    pieces.run(plan, batch, target, state_of if shrink else None, whole)
