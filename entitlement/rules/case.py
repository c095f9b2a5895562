"""The per-case evaluator: the same parsed rules, one household-month at a time, plain Python.

It exists as a cross-check of the vectorised engine (a property test demands identical results
on random inputs) and as the baseline the benchmark compares against. Every operation mirrors the
numpy one exactly (same order of additions, the same rounding), so results agree to the last bit.
Missing values propagate the same way: strictly through arithmetic, and/or and min/max, and only
through the branch taken by if-then-else.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from entitlement.rules.engine import ENGINE_REASONS, Outcome, reason_names
from entitlement.rules.expr import Binary, BoolLit, Call, Expr, If, Num, Ref, Unary
from entitlement.rules.inputs import CHILDREN, INPUTS, MONTH_COLUMN, MUNICIPALITY, InputKind
from entitlement.rules.model import Level, LogicVersion, Parameter, Regeling
from entitlement.rules.params import TableValues, table_values
from entitlement.rules.parser import MAX_AGE
from entitlement.rules.registry import Rules


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
_BIT = {name: 1 << bit for bit, name in ENGINE_REASONS.items()}


@dataclass(frozen=True)
class CaseResult:
    regeling: str
    month: dt.date
    steps: dict[str, float | bool | None]
    status: Outcome
    reasons_mask: int
    reasons: tuple[str, ...]
    month_cents: int | None
    year_cents: int | None

    @property
    def recht(self) -> bool | None:
        if self.status is Outcome.NIET_BEREKEND:
            return None
        return self.status is Outcome.RECHT


def to_cents(euros: float) -> int:
    scaled = euros * 100.0
    return int(math.copysign(math.floor(abs(scaled) + 0.5), scaled))


def case_inputs(row: Mapping[str, Any]) -> dict[str, Any]:
    """A frame row (column names, cents) as formula values (euros, floats, MISSING for null)."""
    out: dict[str, Any] = {}
    for name, spec in INPUTS.items():
        if spec.column not in row:
            continue
        raw = row[spec.column]
        if raw is None:
            out[name] = MISSING
        elif spec.kind is InputKind.MONEY:
            out[name] = int(raw) / 100
        elif spec.kind is InputKind.INT:
            out[name] = float(raw)
        elif spec.kind is InputKind.BOOL:
            out[name] = bool(raw)
        elif spec.kind is InputKind.AGES:
            ages = list(raw)
            out[name] = MISSING if any(a is None for a in ages) else [float(a) for a in ages]
        else:
            out[name] = str(raw)
    return out


class _Case:
    def __init__(
        self, regeling: Regeling, day: dt.date, inputs: dict[str, Any], extern: dict[str, Any]
    ) -> None:
        self.regeling = regeling
        self.day = day
        self.inputs = inputs
        self.extern = extern
        self.steps: dict[str, Any] = {}

    def param(self, name: str) -> Any:
        version = self.regeling.parameters[name].version_on(self.day)
        return MISSING if version is None or version.value is None else version.value

    def table(self, name: str) -> TableValues:
        return _table_on(self.regeling.parameters[name], self.day)

    def count(self, low: int, high: int) -> Any:
        ages = self.inputs.get(CHILDREN, MISSING)
        if ages is MISSING:
            return MISSING
        return float(sum(1 for a in ages if low <= a <= high))

    def ev(self, node: Expr) -> Any:
        if isinstance(node, Num | BoolLit):
            return node.value
        if isinstance(node, Ref):
            return self.ref(node)
        if isinstance(node, Unary):
            v = self.ev(node.operand)
            if v is MISSING:
                return MISSING
            return (not v) if node.op == "not" else -v
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, If):
            c = self.ev(node.cond)
            if c is MISSING:
                return MISSING
            return self.ev(node.then if c else node.other)
        return self.call(node)

    def ref(self, node: Ref) -> Any:
        if node.regeling is not None:
            return self.extern[node.qualified]
        name = node.name
        if name in self.steps:
            return self.steps[name]
        if name in self.inputs:
            return self.inputs[name]
        if name in self.regeling.parameters:
            return self.param(name)
        if name == "jaar":
            return float(self.day.year)
        if name == "maand":
            return float(self.day.month)
        if name in INPUTS:  # a column only a dependency needs, absent from the row
            return MISSING
        raise KeyError(name)

    def binary(self, node: Binary) -> Any:
        a, b = self.ev(node.left), self.ev(node.right)
        if a is MISSING or b is MISSING:
            return MISSING
        op = node.op
        if op == "/":
            return MISSING if b == 0 else a / b
        return _OPS[op](a, b)

    def call(self, node: Call) -> Any:
        f = node.func
        if f == "aantal_kinderen":
            if node.args:
                return self.count(int(node.args[0].value), int(node.args[1].value))  # type: ignore[union-attr]
            return self.count(0, MAX_AGE)
        if f in ("tabel", "som_kinderen"):
            table_ref = node.args[0]
            assert isinstance(table_ref, Ref)
            return self.lookup(self.table(table_ref.name), node)
        args = [self.ev(a) for a in node.args]
        if any(a is MISSING for a in args):
            return MISSING
        if f == "min":
            return _fold(args, lambda a, acc: a < acc)
        if f == "max":
            return _fold(args, lambda a, acc: a > acc)
        if f == "round":
            digits = int(node.args[1].value) if len(node.args) == 2 else 0  # type: ignore[union-attr]
            x = args[0]
            if digits == 0:
                return math.copysign(float(math.floor(abs(x) + 0.5)), x)
            factor = 10.0**digits
            return math.copysign(float(math.floor(abs(x) * factor + 0.5)), x) / factor
        if f == "clip":
            low = args[0] if args[0] > args[1] else args[1]  # np.maximum(x, lo)
            return args[2] if args[2] < low else low  # np.minimum(..., hi)
        if f == "floor":
            return float(math.floor(args[0]))
        if f == "ceil":
            return float(math.ceil(args[0]))
        return abs(args[0])

    def lookup(self, table: TableValues, node: Call) -> Any:
        if table.missing[0]:
            return MISSING
        acc = 0.0
        if node.func == "som_kinderen":
            for k, (low, high) in enumerate(table.intervals):
                count = self.count(low, high)
                if count is MISSING:
                    return MISSING
                acc = acc + float(table.values[0, k]) * count
            return acc
        x = self.ev(node.args[1])
        if x is MISSING:
            return MISSING
        for k, (low, high) in enumerate(table.intervals):
            acc = acc + (float(table.values[0, k]) if low <= x < high + 1 else 0.0)
        return acc


@functools.lru_cache(maxsize=4096)
def _table_on(param: Parameter, day: dt.date) -> TableValues:
    return table_values(param, (day,))


def _fold(args: list[Any], better: Callable[[Any, Any], bool]) -> Any:
    """min/max as numpy folds them: left to right, keeping the running value on a tie."""
    acc = args[0]
    for a in args[1:]:
        acc = a if better(a, acc) else acc
    return acc


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "and": lambda a, b: bool(a and b),
    "or": lambda a, b: bool(a or b),
}


def evaluate_case(
    rules: Rules,
    row: Mapping[str, Any],
    regeling: str,
    *,
    memo: dict[str, Any] | None = None,
) -> CaseResult:
    """Evaluate one regeling (and what it depends on) for one household-month row."""
    memo = {} if memo is None else memo
    if regeling in memo:
        cached: CaseResult = memo[regeling]
        return cached
    inputs = _inputs_of(row, memo)
    day: dt.date = row[MONTH_COLUMN]
    extern: dict[str, Any] = {}
    for other in rules.closure([regeling]):
        if other == regeling:
            continue
        found = evaluate_case(rules, row, other, memo=memo)
        for step, value in found.steps.items():
            extern[f"{other}.{step}"] = MISSING if value is None else value
    result = _evaluate_one(rules[regeling], day, inputs, extern)
    memo[regeling] = result
    return result


_INPUTS_KEY = " inputs"  # a memo key no regeling can have (names have no spaces)


def _inputs_of(row: Mapping[str, Any], memo: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] | None = memo.get(_INPUTS_KEY)
    if found is None:
        found = memo[_INPUTS_KEY] = case_inputs(row)
    return found


def _evaluate_one(
    regeling: Regeling, day: dt.date, inputs: dict[str, Any], extern: dict[str, Any]
) -> CaseResult:
    empty = dict.fromkeys(regeling.step_names)
    version = regeling.version_on(day)
    if regeling.level is Level.GEMEENTELIJK:
        place = inputs.get(MUNICIPALITY, MISSING)
        if place is MISSING:
            return _result(regeling, day, empty, Outcome.NIET_BEREKEND, _BIT["niet_berekend"])
        if place != regeling.municipality:
            bits = _BIT["andere_gemeente"]
            return _result(regeling, day, empty, Outcome.NIET_VAN_TOEPASSING, bits)
    if version is None:
        return _result(regeling, day, empty, Outcome.NIET_BEREKEND, _BIT["buiten_periode"])
    case = _Case(regeling, day, inputs, extern)
    for step in version.steps:
        case.steps[step.name] = case.ev(step.expr)
    return _decide(regeling, version, case, empty)


def _decide(
    regeling: Regeling, version: LogicVersion, case: _Case, empty: dict[str, Any]
) -> CaseResult:
    fails = 0
    missing = False
    for condition in version.conditions:
        ok = case.ev(condition.expr)
        if ok is MISSING:
            missing = True
        elif not ok:
            fails |= 1 << regeling.reason_codes.index(condition.code)
    value = case.steps[version.outcome_month]
    year = case.steps[version.outcome_year] if version.outcome_year else None
    missing = missing or value is MISSING or year is MISSING
    cents = 0 if missing else to_cents(value)
    if fails:
        status, bits = Outcome.GEEN_RECHT, fails
    elif missing:
        status, bits = Outcome.NIET_BEREKEND, _BIT["niet_berekend"]
    elif cents > 0:
        status, bits = Outcome.RECHT, 0
    else:
        status, bits = Outcome.GEEN_RECHT, _BIT["bedrag_nul"]
    steps = {**empty, **{k: (None if v is MISSING else v) for k, v in case.steps.items()}}
    entitled = status is Outcome.RECHT
    result = _result(regeling, case.day, steps, status, bits)
    year_cents = None
    if regeling.has_year_outcome and status is not Outcome.NIET_BEREKEND:
        year_cents = to_cents(year) if entitled and year is not None else 0
    return CaseResult(
        result.regeling,
        result.month,
        steps,
        status,
        bits,
        result.reasons,
        None if status is Outcome.NIET_BEREKEND else (cents if entitled else 0),
        year_cents,
    )


def _result(
    regeling: Regeling, day: dt.date, steps: dict[str, Any], status: Outcome, bits: int
) -> CaseResult:
    none = status is Outcome.NIET_BEREKEND
    zero = None if none else 0
    return CaseResult(
        regeling.name,
        day,
        steps,
        status,
        bits,
        reason_names(regeling, bits),
        zero,
        zero if regeling.has_year_outcome else None,
    )
