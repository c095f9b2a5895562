"""A derivation: one household-month of one regeling, every step in plain Dutch.

Every named step is a column of the engine's output, so a derivation reads a row; it adds what the
rules say about each step (label, formula, legal basis, the explanation template filled with the
row's values) and every parameter used with its value on that date, its source and its status.
Only the conditions are re-evaluated here (one boolean each) from the row's step values, so that a
derivation can say which were met even when another one failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from entitlement.rules.case import MISSING, _Case, case_inputs
from entitlement.rules.engine import Outcome, column, reason_names
from entitlement.rules.expr import Call, Expr, If, Ref, children, walk
from entitlement.rules.fmt import NOT_FOUND, ages_text, cents_of, period_text, value_text
from entitlement.rules.frames import used_inputs
from entitlement.rules.inputs import CHILDREN, INPUTS, MONTH_COLUMN, MUNICIPALITY, InputKind
from entitlement.rules.model import LogicVersion, Regeling, Unit
from entitlement.rules.registry import Rules
from entitlement.rules.versions import PLACEHOLDER

STATUS_TEXT = {
    Outcome.RECHT: "recht",
    Outcome.GEEN_RECHT: "geen recht",
    Outcome.NIET_VAN_TOEPASSING: "niet van toepassing",
    Outcome.NIET_BEREKEND: "niet berekend",
}


@dataclass(frozen=True)
class ParamUse:
    name: str
    label: str
    value: str
    source: str
    url: str | None
    status: str
    period: str
    basis: str | None
    note: str | None
    found: bool


@dataclass(frozen=True)
class InputUse:
    name: str
    label: str
    value: str
    raw: Any


@dataclass(frozen=True)
class StepLine:
    name: str
    label: str
    value: float | bool | None
    text: str
    formula: str
    explanation: str | None
    basis: str | None
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class ConditionLine:
    code: str
    label: str
    satisfied: bool | None
    formula: str
    basis: str
    explanation: str


@dataclass(frozen=True)
class Derivation:
    regeling: str
    title: str
    month: dt.date
    status: Outcome
    recht: bool | None
    month_cents: int | None
    year_cents: int | None
    reasons: tuple[tuple[str, str], ...]  # (code, Dutch explanation)
    steps: tuple[StepLine, ...]
    conditions: tuple[ConditionLine, ...]
    parameters: tuple[ParamUse, ...]
    inputs: tuple[InputUse, ...]
    source: str
    source_url: str | None
    municipality: str | None
    version_from: dt.date | None
    version_note: str | None

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts in cents, dates as text, every step and parameter."""
        data = asdict(self)
        data["month"] = self.month.isoformat()
        data["status"] = self.status.value
        data["version_from"] = self.version_from.isoformat() if self.version_from else None
        data["reasons"] = [{"code": c, "uitleg": t} for c, t in self.reasons]
        return data


def _names_in(exprs: list[Expr]) -> list[str]:
    seen: dict[str, None] = {}
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, Ref) and node.regeling is None:
                seen.setdefault(node.name, None)
    return list(seen)


def _step_value(raw: Any) -> float | bool | None:
    return None if raw is None else raw


class _Reader:
    """Looks up names for templates and derivation lines in one output row."""

    def __init__(self, rules: Rules, regeling: Regeling, row: Mapping[str, Any]) -> None:
        self.rules = rules
        self.regeling = regeling
        self.row = row
        self.day: dt.date = row[MONTH_COLUMN]

    def param_value(self, name: str) -> Any:
        version = self.regeling.parameters[name].version_on(self.day)
        return None if version is None else version.value

    def input_text(self, name: str) -> str:
        spec = INPUTS[name]
        raw = self.row.get(spec.column)
        if raw is None:
            return "onbekend"
        if spec.kind is InputKind.MONEY:
            return value_text(raw / 100, Unit.EURO)
        if spec.kind is InputKind.BOOL:
            return "ja" if raw else "nee"
        if spec.kind is InputKind.AGES:
            return ages_text(list(raw))
        return str(raw)

    def step_unit(self, regeling: Regeling, name: str) -> Unit:
        for version in regeling.versions:
            step = version.step(name)
            if step is not None:
                return step.unit
        return Unit.GETAL

    def text(self, name: str, own: tuple[Any, Unit] | None = None) -> str:
        if name == "waarde" and own is not None:
            return value_text(own[0], own[1])
        if "." in name:
            other, step = name.split(".")
            regeling = self.rules[other]
            return value_text(self.row.get(column(other, step)), self.step_unit(regeling, step))
        if name in self.regeling.parameters:
            param = self.regeling.parameters[name]
            return value_text(self.param_value(name), param.unit)
        if name in INPUTS:
            return self.input_text(name)
        if name == "jaar":
            return str(self.day.year)
        if name == "maand":
            return str(self.day.month)
        value = self.row.get(column(self.regeling.name, name))
        return value_text(value, self.step_unit(self.regeling, name))

    def fill(self, template: str, own: tuple[Any, Unit] | None = None) -> str:
        text = PLACEHOLDER.sub(lambda m: self.text(m.group(1), own), template)
        return " ".join(text.split())


def explain(rules: Rules, row: Mapping[str, Any], regeling: str) -> Derivation:
    """The derivation of ``regeling`` for one row of :func:`entitlement.rules.engine.evaluate`."""
    reg = rules[regeling]
    reader = _Reader(rules, reg, row)
    day = reader.day
    status = Outcome(row[column(regeling, "status")])
    mask = int(row[column(regeling, "redenen")])
    version = reg.version_on(day)
    computed = status is not Outcome.NIET_VAN_TOEPASSING and version is not None
    steps: list[StepLine] = []
    conditions: list[ConditionLine] = []
    params: list[ParamUse] = []
    path: set[str] = set()
    if computed and version is not None:
        steps = [_step_line(reader, s.name, version) for s in version.steps]
        case = _case(rules, reader, version)
        conditions = _conditions(case, reader, version)
        path = _missing_on_path(case, version)
        exprs = [s.expr for s in version.steps] + [c.expr for c in version.conditions]
        params = [_param_use(reader, n) for n in _names_in(exprs) if n in reg.parameters]
    used = used_inputs(reg)
    inputs = [
        InputUse(n, INPUTS[n].label, reader.input_text(n), row.get(INPUTS[n].column))
        for n in INPUTS
        if n in used
    ]
    return Derivation(
        regeling=regeling,
        title=reg.title,
        month=day,
        status=status,
        recht=row.get(column(regeling, "recht")),
        month_cents=row.get(column(regeling, "bedrag_maand_cents")),
        year_cents=row.get(column(regeling, "bedrag_jaar_cents")),
        reasons=tuple(_reasons(reader, version, mask, params, inputs, path)),
        steps=tuple(steps),
        conditions=tuple(conditions),
        parameters=tuple(params),
        inputs=tuple(inputs),
        source=reg.source.title,
        source_url=reg.source.url,
        municipality=reg.municipality,
        version_from=version.valid_from if version else None,
        version_note=version.note if version else None,
    )


def _step_line(reader: _Reader, name: str, version: LogicVersion) -> StepLine:
    step = version.step(name)
    assert step is not None
    value = _step_value(reader.row.get(column(reader.regeling.name, name)))
    used = [n for n in _names_in([step.expr]) if n in reader.regeling.parameters]
    for node in walk(step.expr):
        if isinstance(node, Call) and node.func in ("tabel", "som_kinderen"):
            table = node.args[0]
            if isinstance(table, Ref) and table.name not in used:
                used.append(table.name)
    return StepLine(
        name=name,
        label=step.label,
        value=value,
        text=value_text(value, step.unit, suffix=True),
        formula=step.formula,
        explanation=reader.fill(step.explanation, (value, step.unit)) if step.explanation else None,
        basis=step.basis,
        parameters=tuple(used),
    )


def _case(rules: Rules, reader: _Reader, version: LogicVersion) -> _Case:
    """The row's inputs and step values as the per-case evaluator sees them."""
    row = reader.row
    extern: dict[str, Any] = {}
    for other in rules.dependencies(reader.regeling.name):
        for name in rules[other].step_names:
            value = row.get(column(other, name))
            extern[f"{other}.{name}"] = MISSING if value is None else value
    case = _Case(reader.regeling, reader.day, case_inputs(row), extern)
    for step in version.steps:
        value = row.get(column(reader.regeling.name, step.name))
        case.steps[step.name] = MISSING if value is None else value
    return case


def _conditions(case: _Case, reader: _Reader, version: LogicVersion) -> list[ConditionLine]:
    lines = []
    for condition in version.conditions:
        ok = case.ev(condition.expr)
        lines.append(
            ConditionLine(
                code=condition.code,
                label=condition.label,
                satisfied=None if ok is MISSING else bool(ok),
                formula=condition.formula,
                basis=condition.basis,
                explanation=reader.fill(condition.explanation),
            )
        )
    return lines


def _param_use(reader: _Reader, name: str) -> ParamUse:
    param = reader.regeling.parameters[name]
    version = param.version_on(reader.day)
    if version is None:
        return ParamUse(
            name,
            param.label,
            NOT_FOUND,
            "geen waarde opgenomen voor deze maand",
            None,
            "niet gevonden",
            "",
            param.basis,
            None,
            False,
        )
    if param.is_table:
        rows = [f"{b.low}-{b.high} jaar: {value_text(b.value, param.unit)}" for b in version.bands]
        shown = "; ".join(rows) if rows else NOT_FOUND
    else:
        shown = value_text(version.value, param.unit, suffix=True)
    return ParamUse(
        name=name,
        label=param.label,
        value=shown,
        source=version.source.title,
        url=version.source.url,
        status=version.status.value,
        period=period_text(version.valid_from, version.valid_to),
        basis=param.basis,
        note=version.note,
        found=version.found,
    )


def _missing_on_path(case: _Case, version: LogicVersion) -> set[str]:
    """The parameters and inputs without a value that this household-month actually needed.

    Starts from what made the outcome empty (a condition that could not be judged, the month or
    year amount) and follows only the branch each if-then-else took for this row: a 55-year-old
    is not told that the norm for 18 to 21-year-olds is missing.
    """
    seen: set[str] = set()
    found: set[str] = set()

    def need(node: Expr) -> None:
        if isinstance(node, Ref):
            if node.regeling is not None:
                if case.extern.get(node.qualified, MISSING) is MISSING:
                    found.add(node.qualified)
                return
            if version.step(node.name) is not None:
                step = version.step(node.name)
                if node.name not in seen and case.steps.get(node.name) is MISSING and step:
                    seen.add(node.name)
                    need(step.expr)
            elif case.ref(node) is MISSING:
                found.add(node.name)
            return
        if isinstance(node, If):
            taken = case.ev(node.cond)
            need(node.cond if taken is MISSING else node.then if taken else node.other)
            return
        if isinstance(node, Call) and node.func in ("aantal_kinderen", "som_kinderen", "tabel"):
            if node.func != "tabel" and case.inputs.get(CHILDREN, MISSING) is MISSING:
                found.add(CHILDREN)
            if node.func != "aantal_kinderen":
                table = node.args[0]
                if isinstance(table, Ref) and case.table(table.name).missing[0]:
                    found.add(table.name)
            if node.func == "tabel":
                need(node.args[1])
            return
        for child in children(node):
            if case.ev(child) is MISSING:
                need(child)

    for condition in version.conditions:
        if case.ev(condition.expr) is MISSING:
            need(condition.expr)
    for outcome in (version.outcome_month, version.outcome_year):
        if outcome is not None:
            need(Ref(outcome))
    return found


def _reasons(
    reader: _Reader,
    version: LogicVersion | None,
    mask: int,
    params: list[ParamUse],
    inputs: list[InputUse],
    path: set[str],
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    by_code = {c.code: c for c in version.conditions} if version else {}
    for code in reason_names(reader.regeling, mask):
        condition = by_code.get(code)
        if condition is not None:
            out.append((code, reader.fill(condition.explanation)))
        elif code == "andere_gemeente":
            out.append(
                (code, f"Deze regeling geldt alleen in gemeente {reader.regeling.municipality}.")
            )
        elif code == "bedrag_nul":
            out.append((code, "Aan alle voorwaarden is voldaan, maar het bedrag komt uit op nul."))
        elif code == "buiten_periode":
            out.append(
                (code, f"Voor {reader.day:%m-%Y} zijn geen regels van deze regeling opgenomen.")
            )
        else:
            lacking = [
                f"parameter niet gevonden: {p.label} ({p.name})"
                for p in params
                if not p.found and p.name in path
            ]
            lacking += [
                f"gegeven ontbreekt: {i.label}"
                for i in inputs
                if i.raw is None and (i.name in path or _municipality_missing(reader, i))
            ]
            lacking += [
                f"niet berekend: {reader.rules[other].title.lower()} ({step})"
                for other, _, step in (n.partition(".") for n in sorted(path) if "." in n)
                if other in reader.rules
            ]
            out.append(
                (code, "Niet berekend: " + ("; ".join(lacking) or "gegevens ontbreken") + ".")
            )
    return out


def _municipality_missing(reader: _Reader, used: InputUse) -> bool:
    """A municipal regeling without the household's municipality stops before any step."""
    return (
        used.name == MUNICIPALITY and reader.regeling.municipality is not None and used.raw is None
    )


def money(cents: int | None) -> str:
    return NOT_FOUND if cents is None else value_text(cents / 100, Unit.EURO)


__all__ = ["Derivation", "cents_of", "explain", "money"]
