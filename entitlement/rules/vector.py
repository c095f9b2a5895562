"""Compile a parsed formula into numpy closures that evaluate it for many rows at once.

Every value is a pair ``(values, missing)``: ``values`` is an array (or a scalar, when it is the
same for all rows) and ``missing`` is None, a boolean array or True, marking rows whose value rests
on a parameter that was not found or an input that is empty. Missingness is tracked only where it
can occur, so a month whose parameters are all known costs nothing extra.

Subtrees that depend only on parameters and the month (``pct * drempelinkomen``) are computed once
per distinct month and then picked per row, not once per row. Semantics are exactly those of
:mod:`entitlement.rules.case`; a property test checks the two agree bit for bit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from entitlement.rules.expr import Binary, BoolLit, Call, Expr, If, Num, Ref, Unary, children
from entitlement.rules.inputs import INPUTS
from entitlement.rules.params import TableValues
from entitlement.rules.parser import MAX_AGE

Mask = Any  # None | np.ndarray[bool] | bool
Val = tuple[Any, Mask]
Fn = Callable[["Batch"], Val]

_ids = itertools.count()


@dataclass
class MonthData:
    """Parameter values per distinct month (length U), shared by all chunks of a run."""

    scalars: dict[str, tuple[np.ndarray, np.ndarray | None]]
    tables: dict[str, TableValues]
    years: np.ndarray
    numbers: np.ndarray
    cache: dict[int, Val] = field(default_factory=dict)
    steps: dict[str, Val] = field(default_factory=dict)


@dataclass
class Batch:
    """A block of rows (or, with ``month_level``, the U distinct months themselves).

    With ``tiled`` the rows are whole households of U consecutive months in month order (how a
    store query returns them); every array is then viewed as (households, U), so a per-month
    value of shape (U,) broadcasts over the rows without gathering it row by row.
    """

    month: MonthData
    mi: np.ndarray | None  # month index per row; None at month level or when tiled
    single: int | None  # the month index when all rows share it
    inputs: dict[str, Val]
    counts: dict[tuple[int, int], Val]
    extern: dict[str, Val]
    steps: dict[str, Val] = field(default_factory=dict)
    month_level: bool = False
    tiled: bool = False
    shape: tuple[int, ...] = (0,)

    def pick_mask(self, mask: np.ndarray | None) -> Mask:
        if mask is None or self.month_level or self.tiled:
            return mask
        if self.single is not None:
            return True if mask[self.single] else None
        assert self.mi is not None
        return mask[self.mi]

    def pick(self, value: Any, mask: Mask) -> Val:
        """A per-month array as seen by these rows."""
        if self.month_level or self.tiled or not isinstance(value, np.ndarray):
            return value, mask
        if self.single is not None:
            m = mask if mask is None or mask is True else bool(mask[self.single])
            return value[self.single], (m or None)
        assert self.mi is not None
        m = mask if mask is None or mask is True else mask[self.mi]
        return value[self.mi], m

    def store(self, out: np.ndarray, target: slice, value: Any) -> None:
        """Write a value of this block (scalar, per month or state, per row) into its rows of
        ``out``: one row per row of the block, (households, S or U) when tiled."""
        if self.tiled:
            out[target].reshape(self.shape)[...] = value
        else:
            out[target] = value


def or_mask(*masks: Mask) -> Mask:
    present = [m for m in masks if m is not None and m is not False]
    if not present:
        return None
    if any(m is True for m in present):
        return True
    out = present[0]
    for m in present[1:]:
        out = np.logical_or(out, m)
    return out


class Compiler:
    """Turns expressions of one logic version into closures; knows which steps are monthly."""

    def __init__(self, monthly_steps: dict[str, bool]) -> None:
        self.monthly_steps = monthly_steps

    def is_monthly(self, node: Expr) -> bool:
        if isinstance(node, Ref):
            if node.regeling is not None:
                return False
            if node.name in self.monthly_steps:
                return self.monthly_steps[node.name]
            return node.name not in INPUTS  # a parameter, jaar or maand
        if isinstance(node, Call) and node.func in ("aantal_kinderen", "som_kinderen"):
            return False
        if isinstance(node, Call) and node.func == "tabel":
            return self.is_monthly(node.args[1])
        return all(self.is_monthly(c) for c in children(node))

    def compile(self, node: Expr) -> Fn:
        """Row-level closure; maximal monthly subtrees are evaluated once per month."""
        if isinstance(node, Num | BoolLit):
            return _const(node.value)
        if self.is_monthly(node):
            return _per_month(next(_ids), self.raw(node))
        return self.raw(node)

    def raw(self, node: Expr) -> Fn:
        if isinstance(node, Num | BoolLit):
            return _const(node.value)
        if isinstance(node, Ref):
            return _ref(node)
        if isinstance(node, Unary):
            return _unary(node.op, self.compile(node.operand))
        if isinstance(node, Binary):
            divisor = node.right.value if isinstance(node.right, Num) else None
            return _binary(node.op, self.compile(node.left), self.compile(node.right), divisor)
        if isinstance(node, If):
            return _if(self.compile(node.cond), self.compile(node.then), self.compile(node.other))
        return self.call(node)

    def call(self, node: Call) -> Fn:
        f = node.func
        if f == "aantal_kinderen":
            low, high = (
                (int(node.args[0].value), int(node.args[1].value))  # type: ignore[union-attr]
                if node.args
                else (0, MAX_AGE)
            )
            return lambda b: b.counts[(low, high)]
        if f in ("tabel", "som_kinderen"):
            table = node.args[0]
            assert isinstance(table, Ref)
            arg = self.compile(node.args[1]) if f == "tabel" else None
            return _table(table.name, arg)
        args = [self.compile(a) for a in node.args]
        if f in ("min", "max"):
            return _fold(np.minimum if f == "min" else np.maximum, args)
        if f == "round":
            digits = int(node.args[1].value) if len(node.args) == 2 else 0  # type: ignore[union-attr]
            return _round(args[0], digits)
        if f == "clip":
            return _fold(np.minimum, [_fold(np.maximum, args[:2]), args[2]])
        ufunc = {"floor": np.floor, "ceil": np.ceil, "abs": np.abs}[f]
        return _apply(ufunc, args[0])


def _const(value: float | bool) -> Fn:
    out: Val = (value, None)
    return lambda b: out


def _per_month(key: int, inner: Fn) -> Fn:
    def run(b: Batch) -> Val:
        if b.month_level:
            return inner(b)
        cached = b.month.cache.get(key)
        if cached is None:
            cached = inner(_month_batch(b.month))
            b.month.cache[key] = cached
        return b.pick(*cached)

    return run


def _month_batch(month: MonthData) -> Batch:
    return Batch(month, None, None, {}, {}, {}, month.steps, month_level=True)


def _ref(node: Ref) -> Fn:
    if node.regeling is not None:
        key = node.qualified
        return lambda b: b.extern[key]
    name = node.name

    def run(b: Batch) -> Val:
        found = b.steps.get(name)
        if found is not None:
            return found
        if name in b.inputs:
            return b.inputs[name]
        if name in b.month.scalars:
            return b.pick(*b.month.scalars[name])
        if name == "jaar":
            return b.pick(b.month.years, None)
        if name == "maand":
            return b.pick(b.month.numbers, None)
        raise KeyError(name)  # the loader checked every name; this is a bug

    return run


def _unary(op: str, operand: Fn) -> Fn:
    func = np.logical_not if op == "not" else np.negative

    def run(b: Batch) -> Val:
        v, m = operand(b)
        return func(v), m

    return run


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
    "and": np.logical_and,
    "or": np.logical_or,
}


def _binary(op: str, left: Fn, right: Fn, divisor: float | None) -> Fn:
    if op == "/":
        if divisor is not None and divisor != 0:
            return _apply(lambda v: np.divide(v, divisor), left)
        return _divide(left, right)
    func = _BINARY[op]

    def run(b: Batch) -> Val:
        lv, lm = left(b)
        rv, rm = right(b)
        return func(lv, rv), or_mask(lm, rm)

    return run


def _divide(left: Fn, right: Fn) -> Fn:
    def run(b: Batch) -> Val:
        lv, lm = left(b)
        rv, rm = right(b)
        zero = np.equal(rv, 0.0)
        if not np.any(zero):
            return np.divide(lv, rv), or_mask(lm, rm)
        safe = np.where(zero, 1.0, rv)
        return np.divide(lv, safe), or_mask(lm, rm, True if zero is True else zero)

    return run


def _if(cond: Fn, then: Fn, other: Fn) -> Fn:
    def run(b: Batch) -> Val:
        cv, cm = cond(b)
        if not isinstance(cv, np.ndarray):  # the same branch for every row
            v, m = then(b) if cv else other(b)
            return v, or_mask(cm, m)
        tv, tm = then(b)
        ov, om = other(b)
        m = None
        if tm is not None or om is not None:
            m = np.where(cv, False if tm is None else tm, False if om is None else om)
        return np.where(cv, tv, ov), or_mask(cm, m)

    return run


def _fold(func: Callable[[Any, Any], Any], args: list[Fn]) -> Fn:
    def run(b: Batch) -> Val:
        v, m = args[0](b)
        for arg in args[1:]:
            av, am = arg(b)
            v, m = func(v, av), or_mask(m, am)
        return v, m

    return run


def _round(arg: Fn, digits: int) -> Fn:
    factor = 10.0**digits

    def run(b: Batch) -> Val:
        v, m = arg(b)
        if digits == 0:
            return np.copysign(np.floor(np.abs(v) + 0.5), v), m
        return np.copysign(np.floor(np.abs(v) * factor + 0.5), v) / factor, m

    return run


def _apply(func: Callable[[Any], Any], arg: Fn) -> Fn:
    def run(b: Batch) -> Val:
        v, m = arg(b)
        return func(v), m

    return run


def _table(name: str, arg: Fn | None) -> Fn:
    def run(b: Batch) -> Val:
        table = b.month.tables[name]
        tmask = b.pick_mask(table.missing) if table.missing.any() else None
        if arg is None:  # som_kinderen: sum over the children of the table value
            acc: Any = 0.0
            masks = [tmask]
            for k, interval in enumerate(table.intervals):
                value, _ = b.pick(table.values[:, k], None)
                count, cm = b.counts[interval]
                acc = np.add(acc, np.multiply(value, count))
                masks.append(cm)
            return acc, or_mask(*masks)
        x, xm = arg(b)
        acc = 0.0
        for k, (low, high) in enumerate(table.intervals):
            value, _ = b.pick(table.values[:, k], None)
            inside = np.logical_and(np.greater_equal(x, low), np.less(x, high + 1))
            acc = np.add(acc, np.where(inside, value, 0.0))
        return acc, or_mask(tmask, xm)

    return run
