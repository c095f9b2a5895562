"""From an input frame to the arrays the compiled rules read, checking columns on the way.

Which inputs a regeling needs follows from its formulas; only those columns are read, so a frame
for zorgtoeslag alone needs no rent. Money becomes euros (float64, exact for any realistic cents
amount), integers float64, booleans numpy booleans; a null becomes a *missing* flag, never a
zero. Children's ages are read once into per-interval counts (``aantal_kinderen(12, 17)``),
packed as bit fields of one word per row (:class:`ChildCounts`).
Integer columns and counts are kept as they are stored and converted block by block
(:func:`as_numbers`, :func:`as_floats`): a store-ordered block reads one month per parameter
state, so converting all rows up front would mostly write values that nobody reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from entitlement.rules.errors import InputError
from entitlement.rules.expr import Call, Ref, walk
from entitlement.rules.inputs import CHILDREN, INPUTS, MUNICIPALITY, InputKind
from entitlement.rules.model import Level, Regeling
from entitlement.rules.params import table_values
from entitlement.rules.parser import MAX_AGE
from entitlement.rules.vector import Val


def used_inputs(regeling: Regeling) -> set[str]:
    """The input names a regeling's formulas use (``kinderen`` for the children functions)."""
    used: set[str] = set()
    for version in regeling.versions:
        exprs = [s.expr for s in version.steps] + [c.expr for c in version.conditions]
        for expr in exprs:
            for node in walk(expr):
                if isinstance(node, Ref) and node.regeling is None and node.name in INPUTS:
                    used.add(node.name)
                if isinstance(node, Call) and node.func in ("aantal_kinderen", "som_kinderen"):
                    used.add(CHILDREN)
    if regeling.level is Level.GEMEENTELIJK:
        used.add(MUNICIPALITY)
    return used


def child_intervals(regeling: Regeling) -> set[tuple[int, int]]:
    """The age intervals whose child counts the formulas need."""
    found: set[tuple[int, int]] = set()
    for version in regeling.versions:
        exprs = [s.expr for s in version.steps] + [c.expr for c in version.conditions]
        for expr in exprs:
            for node in walk(expr):
                if not isinstance(node, Call):
                    continue
                if node.func == "aantal_kinderen":
                    if node.args:
                        low, high = (int(a.value) for a in node.args)  # type: ignore[union-attr]
                        found.add((low, high))
                    else:
                        found.add((0, MAX_AGE))
                elif node.func == "som_kinderen":
                    table = node.args[0]
                    assert isinstance(table, Ref)
                    param = regeling.parameters[table.name]
                    found.update(table_values(param, ()).intervals)
    return found


def check_columns(frame: pl.DataFrame, names: Iterable[str]) -> None:
    """Refuse a frame that lacks a needed column or has one of the wrong kind, in Dutch."""
    missing = sorted(INPUTS[n].column for n in names if INPUTS[n].column not in frame.columns)
    if missing:
        raise InputError("kolommen ontbreken in de invoer: " + ", ".join(missing))
    for name in names:
        spec = INPUTS[name]
        dtype = frame.schema[spec.column]
        if dtype == pl.Null:  # every value empty (polars gives such columns type Null)
            continue
        ok = {
            InputKind.MONEY: dtype.is_integer(),
            InputKind.INT: dtype.is_integer(),
            InputKind.BOOL: dtype == pl.Boolean,
            InputKind.AGES: isinstance(dtype, pl.List)
            and (dtype.inner.is_integer() or dtype.inner == pl.Null),
            InputKind.CODE: dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum),
        }[spec.kind]
        if not ok:
            raise InputError(
                f"kolom '{spec.column}' heeft type {dtype}; verwacht {spec.dtype} ({spec.label})"
            )


def input_arrays(frame: pl.DataFrame, names: Iterable[str]) -> dict[str, Val]:
    """Numeric and boolean inputs as (values, missing) over all rows, as stored.

    Integers stay integers here: :func:`as_numbers` turns the rows a block actually reads into
    float64 (euros for money). Store-ordered frames read one month per state and household, so
    converting every row up front would mostly produce values nobody reads.
    """
    out: dict[str, Val] = {}
    for name in names:
        spec = INPUTS[name]
        if spec.kind in (InputKind.AGES, InputKind.CODE):
            continue
        column = frame[spec.column]
        nulls = column.null_count()
        mask = column.is_null().to_numpy() if nulls else None
        if nulls:  # without nulls the values are read as they are (no copy for numbers)
            column = column.fill_null(False if spec.kind is InputKind.BOOL else 0)
        values = column.to_numpy()
        if spec.kind is not InputKind.BOOL and values.dtype.kind not in "iu":
            values = _to_float(name, values)  # e.g. a column of nulls only: convert now
        out[name] = (values, mask)
    return out


def as_numbers(name: str, val: Val) -> Val:
    """An input as the compiled rules read it: float64 (money in euros) or boolean."""
    values, mask = val
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return _to_float(name, values), mask
    return val


def as_floats(val: Val) -> Val:
    """Child counts (kept as integers over all rows) as float64 for the rows a block reads."""
    values, mask = val
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(np.float64), mask
    return val


def _to_float(name: str, raw: np.ndarray) -> np.ndarray:
    values = raw.astype(np.float64)
    if INPUTS[name].kind is InputKind.MONEY:
        values /= 100.0
    return values


@dataclass(frozen=True)
class ChildCounts:
    """Per row, how many children fall in each age interval, packed into a few uint64 words.

    The interval bounds cut the ages into elementary bins; each bin's count is a bit field of a
    word (8 bits while no row has more than 255 children). One word usually holds every bin, so
    a block reads (and the engine checks for changes within a household) one array instead of
    one per interval; :meth:`unpack` gives the counts of the intervals a block needs.
    """

    words: tuple[np.ndarray, ...]  # uint64 per row
    missing: np.ndarray | None
    fields: dict[tuple[int, int], tuple[tuple[int, int, int], ...]]  # interval: (word, shift, mask)

    def unpack(self, interval: tuple[int, int], words: tuple[np.ndarray, ...]) -> np.ndarray:
        """The counts of ``interval`` (float64) from ``words``: these words or a part of them."""
        total: np.ndarray | None = None
        for word, shift, mask in self.fields[interval]:
            part = (words[word] >> np.uint64(shift)) & np.uint64(mask)
            total = part if total is None else total + part
        assert total is not None
        return total.astype(np.float64)


def packed_child_counts(frame: pl.DataFrame, intervals: Iterable[tuple[int, int]]) -> ChildCounts:
    """:class:`ChildCounts` of every row for ``intervals``: one cumulative sum per word."""
    wanted = sorted(set(intervals))
    n = frame.height
    bounds = sorted({low for low, _ in wanted} | {high + 1 for _, high in wanted})
    if not wanted:
        return ChildCounts((), None, {})
    if INPUTS[CHILDREN].column not in frame.columns:  # only a dependency needed it
        empty = tuple(np.zeros(n, np.uint64) for _ in range(max(1, (len(bounds) + 6) // 8)))
        return ChildCounts(empty, np.ones(n, dtype=bool), _fields(wanted, bounds, 8))
    column = frame[INPUTS[CHILDREN].column]
    mask = column.is_null().to_numpy() if column.null_count() else None
    lengths = column.list.len().fill_null(0).to_numpy()
    # The children of row i are ages[bounds_at[i]:bounds_at[i + 1]].
    bounds_at = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds_at[1:])
    total = int(bounds_at[-1])
    ages = column.list.explode().drop_nulls().to_numpy() if total else np.zeros(0, np.int16)
    if ages.size != total:
        raise InputError("kolom 'kinderen_leeftijden' bevat een lege leeftijd")
    most = int(lengths.max()) if n else 0
    width = next(w for w in (8, 16, 32, 64) if w == 64 or most < 1 << w)
    fields = _fields(wanted, bounds, width)
    per_word = 64 // width
    n_words = (len(bounds) - 2) // per_word + 1
    # The elementary bin of every age that occurs (-1: outside every interval), looked up per
    # child in a table over the ages from the youngest to the oldest.
    youngest = int(ages.min()) if ages.size else 0
    oldest = int(ages.max()) if ages.size else 0
    seen_ages = np.arange(youngest, oldest + 1)
    bin_of = np.searchsorted(np.asarray(bounds), seen_ages, side="right") - 1
    bin_of[bin_of >= len(bounds) - 1] = -1
    # Each child's place in that table (4 bytes each where the span of ages allows it).
    offsets = np.subtract(ages, youngest, dtype=np.int32 if oldest - youngest < 2**31 else np.intp)
    words: list[np.ndarray] = []
    for w in range(n_words):
        codes = np.zeros(len(bounds), dtype=np.uint64)  # per bin, last entry for "outside"
        for b in range(w * per_word, min(len(bounds) - 1, (w + 1) * per_word)):
            codes[b] = np.uint64(1) << np.uint64((b % per_word) * width)
        seen = np.zeros(ages.size + 1, dtype=np.uint64)  # sum of codes before each position
        np.take(codes[bin_of], offsets, out=seen[1:])
        np.cumsum(seen[1:], out=seen[1:])  # wraps; differences stay exact
        at = seen.take(bounds_at)  # the sum before each row's first child, and after its last
        del seen
        word = np.subtract(at[1:], at[:-1])
        words.append(word)
    return ChildCounts(tuple(words), mask, fields)


def _fields(
    wanted: list[tuple[int, int]], bounds: list[int], width: int
) -> dict[tuple[int, int], tuple[tuple[int, int, int], ...]]:
    per_word = 64 // width
    mask = (1 << width) - 1
    out = {}
    for low, high in wanted:
        bins = range(bounds.index(low), bounds.index(high + 1))
        out[(low, high)] = tuple((b // per_word, (b % per_word) * width, mask) for b in bins)
    return out


def child_counts(
    frame: pl.DataFrame, intervals: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], Val]:
    """Per row, how many children have an age inside each interval (int32; see as_floats)."""
    packed = packed_child_counts(frame, intervals)
    return {
        k: (packed.unpack(k, packed.words).astype(np.int32), packed.missing) for k in packed.fields
    }


def municipality_mask(frame: pl.DataFrame, code: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows in municipality ``code``; and rows whose municipality is unknown."""
    if INPUTS[MUNICIPALITY].column not in frame.columns:
        return np.zeros(frame.height, dtype=bool), np.ones(frame.height, dtype=bool)
    column = frame[INPUTS[MUNICIPALITY].column].cast(pl.String)
    here = (column == code).fill_null(False).to_numpy()
    unknown = column.is_null().to_numpy() if column.null_count() else None
    return here, unknown
