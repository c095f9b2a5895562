"""From an input frame to the arrays the compiled rules read, checking columns on the way.

Which inputs a regeling needs follows from its formulas; only those columns are read, so a frame
for zorgtoeslag alone needs no rent. Money becomes euros (float64, exact for any realistic cents
amount), integers float64, booleans numpy booleans; a null becomes a *missing* flag, never a
zero. Children's ages are read once into per-interval counts (``aantal_kinderen(12, 17)``).
Integer columns and counts are kept as they are stored and converted block by block
(:func:`as_numbers`, :func:`as_floats`): a store-ordered block reads one month per parameter
state, so converting all rows up front would mostly write values that nobody reads.
"""

from __future__ import annotations

from collections.abc import Iterable

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
        mask = column.is_null().to_numpy() if column.null_count() else None
        if spec.kind is InputKind.BOOL:
            values = column.fill_null(False).to_numpy()
        else:
            values = column.fill_null(0).to_numpy()
            if values.dtype.kind not in "iu":  # e.g. a column of nulls only: convert now
                values = _to_float(name, values)
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


def child_counts(
    frame: pl.DataFrame, intervals: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], Val]:
    """Per row, how many children have an age inside each interval (int32; see as_floats)."""
    wanted = sorted(set(intervals))
    if not wanted:
        return {}
    n = frame.height
    if INPUTS[CHILDREN].column not in frame.columns:  # only a dependency needed it
        return {w: (np.zeros(n), np.ones(n, dtype=bool)) for w in wanted}
    column = frame[INPUTS[CHILDREN].column]
    mask = column.is_null().to_numpy() if column.null_count() else None
    lengths = column.list.len().fill_null(0).to_numpy().astype(np.int64)
    ages = column.list.explode().drop_nulls().to_numpy() if lengths.sum() else np.zeros(0)
    if ages.size != lengths.sum():
        raise InputError("kolom 'kinderen_leeftijden' bevat een lege leeftijd")
    ends = np.cumsum(lengths)  # the children of row i are ages[starts[i]:ends[i]]
    starts = ends - lengths
    out: dict[tuple[int, int], Val] = {}
    for low, high in wanted:
        seen = np.zeros(ages.size + 1, dtype=np.int32)  # children inside, before each position
        np.cumsum((ages >= low) & (ages <= high), out=seen[1:], dtype=np.int32)
        counts = seen[ends]
        counts -= seen[starts]
        out[(low, high)] = (counts, mask)  # int32: see as_floats
    return out


def municipality_mask(frame: pl.DataFrame, code: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows in municipality ``code``; and rows whose municipality is unknown."""
    if INPUTS[MUNICIPALITY].column not in frame.columns:
        return np.zeros(frame.height, dtype=bool), np.ones(frame.height, dtype=bool)
    column = frame[INPUTS[MUNICIPALITY].column].cast(pl.String)
    here = (column == code).fill_null(False).to_numpy()
    unknown = column.is_null().to_numpy() if column.null_count() else None
    return here, unknown
