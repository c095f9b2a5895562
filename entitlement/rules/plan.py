"""One logic version compiled for the vectorised engine, and how a block of rows runs through it.

A plan holds a closure per step and per condition. Steps that depend only on the month are
computed once per distinct month (:meth:`VersionPlan.prepare_month`); the rest block by block.
After the steps, the conditions give the reason bits and the outcome the status and amount, with
the same decision order as the per-case evaluator: a condition that certainly fails means
*geen recht* even when something else is missing; otherwise anything missing means *niet
berekend*; otherwise the amount decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

from entitlement.rules.expr import Call, Ref, walk
from entitlement.rules.frames import child_intervals, used_inputs
from entitlement.rules.model import LogicVersion, Regeling
from entitlement.rules.params import Months, scalar_values, table_values
from entitlement.rules.vector import Batch, Compiler, Fn, Mask, MonthData, or_mask


class Code(IntEnum):
    """Status codes in the order of ``engine.OUTCOMES``."""

    RECHT = 0
    GEEN_RECHT = 1
    NIET_VAN_TOEPASSING = 2
    NIET_BEREKEND = 3


BIT_GEMEENTE = np.uint32(1 << 28)
BIT_NUL = np.uint32(1 << 29)
BIT_MISSING = np.uint32(1 << 30)
BIT_PERIOD = np.uint32(1 << 31)


def to_cents(euros: Any) -> Any:
    """Euros to whole cents, half away from zero (the per-case evaluator does the same)."""
    scaled = np.multiply(euros, 100.0)
    return np.asarray(np.copysign(np.floor(np.abs(scaled) + 0.5), scaled)).astype(np.int64)


@dataclass
class Buffers:
    """The outputs of one regeling (its distinct rows, see entitlement.rules.result), filled
    block by block."""

    n: int
    steps: dict[str, np.ndarray]
    missing: dict[str, np.ndarray]  # per step; absent = nothing missing
    status: np.ndarray
    reasons: np.ndarray
    month_cents: np.ndarray
    year_cents: np.ndarray | None
    alloc: Callable[[int, Any], np.ndarray] = np.zeros  # (length, dtype) -> zeroed array

    def mark(self, b: Batch, name: str, target: slice, mask: Mask) -> None:
        """Flag the rows of ``target`` without a value. Every target is written once into
        zeroed arrays, so nothing is written where no row is missing."""
        if mask is None or mask is False:
            return
        arr = self.missing.get(name)
        if arr is None:
            arr = self.missing[name] = self.alloc(self.n, bool)
        b.store(arr, target, mask)


@dataclass
class VersionPlan:
    regeling: Regeling
    version: LogicVersion
    steps: list[tuple[str, Fn]] = field(default_factory=list)
    monthly: list[tuple[str, Fn]] = field(default_factory=list)  # U-level closures
    conditions: list[tuple[np.uint32, Fn]] = field(default_factory=list)
    inputs: set[str] = field(default_factory=set)
    intervals: set[tuple[int, int]] = field(default_factory=set)
    extern: set[str] = field(default_factory=set)
    calendar: set[str] = field(default_factory=set)  # "jaar"/"maand" when the formulas use them

    @property
    def step_names(self) -> set[str]:
        return {name for name, _ in self.steps}

    def prepare_month(self, month: MonthData) -> None:
        """Compute the month-only steps once per distinct month, before any block of rows."""
        batch = Batch(month, None, None, {}, {}, {}, month.steps, month_level=True)
        for name, fn in self.monthly:
            month.steps[name] = fn(batch)

    def run(self, b: Batch, target: slice, out: Buffers) -> None:
        for name, fn in self.steps:
            value, mask = fn(b)
            b.steps[name] = (value, mask)
            if not _all_missing(mask):  # a null needs no value: skip writing fresh memory
                b.store(out.steps[name], target, value)
            out.mark(b, name, target, mask)
        fails: Any = None
        cond_missing: Mask = None
        for bit, fn in self.conditions:
            ok, mask = fn(b)
            bad = np.logical_not(ok)
            if mask is not None:
                bad = np.logical_and(bad, np.logical_not(mask))
                cond_missing = or_mask(cond_missing, mask)
            term = np.where(bad, bit, np.uint32(0))
            fails = term if fails is None else np.bitwise_or(fails, term)
        value, mask = b.steps[self.version.outcome_month]
        missing = or_mask(cond_missing, mask)
        year: Any = None
        if self.version.outcome_year is not None:
            year, ymask = b.steps[self.version.outcome_year]
            missing = or_mask(missing, ymask)
        cents = to_cents(value)  # rubbish where missing; those rows are overruled below
        positive = cents > 0
        open_: Any = True if fails is None else np.equal(fails, 0)
        if missing is None:
            entitled = np.logical_and(open_, positive)
            status = np.where(entitled, np.uint8(Code.RECHT), np.uint8(Code.GEEN_RECHT))
            nul = np.where(np.logical_and(open_, ~positive), BIT_NUL, np.uint32(0))
            reasons = nul if fails is None else np.bitwise_or(fails, nul)
        else:
            unknown = np.logical_and(open_, missing)
            entitled = np.logical_and(np.logical_and(open_, np.logical_not(missing)), positive)
            status = np.where(
                entitled,
                np.uint8(Code.RECHT),
                np.where(unknown, np.uint8(Code.NIET_BEREKEND), np.uint8(Code.GEEN_RECHT)),
            )
            extra = np.where(
                unknown,
                BIT_MISSING,
                np.where(np.logical_and(open_, ~positive), BIT_NUL, np.uint32(0)),
            )
            reasons = extra if fails is None else np.bitwise_or(fails, extra)
        b.store(out.status, target, status)
        b.store(out.reasons, target, reasons)
        b.store(out.month_cents, target, np.where(entitled, cents, 0))
        if out.year_cents is not None:
            ycents = 0 if year is None else np.where(entitled, to_cents(year), 0)
            b.store(out.year_cents, target, ycents)


def _all_missing(mask: Mask) -> bool:
    if mask is None or mask is False:
        return False
    return mask is True or bool(np.all(mask))


_PLANS: dict[tuple[int, int], tuple[Regeling, VersionPlan]] = {}


def plan_for(regeling: Regeling, index: int) -> VersionPlan:
    """The compiled plan of logic version ``index``, compiled once per regeling object."""
    hit = _PLANS.get((id(regeling), index))
    if hit is not None and hit[0] is regeling:
        return hit[1]
    plan = _compile(regeling, index)
    if len(_PLANS) > 256:  # rules rebuilt over and over (what-if, tests): start afresh
        _PLANS.clear()
    _PLANS[(id(regeling), index)] = (regeling, plan)  # keeps ``regeling`` alive: ids stay unique
    return plan


def _compile(regeling: Regeling, index: int) -> VersionPlan:
    version = regeling.versions[index]
    monthly: dict[str, bool] = {}
    compiler = Compiler(monthly)
    plan = VersionPlan(regeling, version)
    for step in version.steps:
        is_monthly = compiler.is_monthly(step.expr)
        monthly[step.name] = is_monthly
        if is_monthly:
            plan.monthly.append((step.name, compiler.raw(step.expr)))
            plan.steps.append((step.name, _from_month(step.name)))
        else:
            plan.steps.append((step.name, compiler.compile(step.expr)))
    for condition in version.conditions:
        bit = np.uint32(1 << regeling.reason_codes.index(condition.code))
        plan.conditions.append((bit, compiler.compile(condition.expr)))
    plan.inputs = used_inputs(regeling) & _names(version)
    plan.intervals = child_intervals(regeling)
    plan.calendar = _names(version) & {"jaar", "maand"}
    plan.extern = {
        r.qualified
        for expr in [s.expr for s in version.steps] + [c.expr for c in version.conditions]
        for r in (node for node in walk(expr) if isinstance(node, Ref))
        if r.regeling is not None
    }
    return plan


def _names(version: LogicVersion) -> set[str]:
    names: set[str] = set()
    for expr in [s.expr for s in version.steps] + [c.expr for c in version.conditions]:
        for node in walk(expr):
            if isinstance(node, Ref):
                names.add(node.name)
            elif isinstance(node, Call) and node.func in ("aantal_kinderen", "som_kinderen"):
                names.add("kinderen")
    return names


def _from_month(name: str) -> Fn:
    return lambda b: b.pick(*b.month.steps[name])


def month_data(regeling: Regeling, months: Months) -> MonthData:
    scalars: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    tables = {}
    for pname, param in regeling.parameters.items():
        if param.is_table:
            tables[pname] = table_values(param, months.dates)
        else:
            values, missing = scalar_values(param, months.dates)
            scalars[pname] = (values, missing if missing.any() else None)
    return MonthData(scalars, tables, months.years, months.numbers)
