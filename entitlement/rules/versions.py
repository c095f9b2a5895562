"""Logic versions of a regeling: steps, conditions and outcome, read and then checked.

Reading (:func:`read_versions`) parses every formula; checking (:func:`check_version`) sorts the
steps by their dependencies, refuses cycles, infers and checks types, checks the outcome and the
explanation templates. Checking runs once the registry knows the other regelingen, because a step
may use ``bijstand.norm``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from entitlement.rules.check import (
    CycleError,
    ExternType,
    Scope,
    local_step_refs,
    order_steps,
    type_of,
)
from entitlement.rules.errors import Where
from entitlement.rules.expr import Expr, Type
from entitlement.rules.inputs import IMPLICIT, INPUTS
from entitlement.rules.lexer import ExprError
from entitlement.rules.model import Condition, LogicVersion, Parameter, Step, Unit
from ingest.profile.schema_errors import Path

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\}")
MAX_CONDITIONS = 28  # bits 28-31 of the reason mask are the engine's own reasons


@dataclass
class DraftStep:
    name: str
    label: str
    formula: str
    expr: Expr
    unit: Unit
    explanation: str | None
    basis: str | None
    path: Path


@dataclass
class DraftCondition:
    code: str
    label: str
    formula: str
    expr: Expr
    basis: str
    explanation: str
    path: Path


@dataclass
class DraftVersion:
    valid_from: dt.date
    valid_to: dt.date | None
    steps: list[DraftStep]
    conditions: list[DraftCondition]
    outcome_month: str
    outcome_year: str | None
    note: str | None
    path: Path


def read_versions(
    raw: list[dict[str, Any]], params: dict[str, Parameter], where: Where
) -> list[DraftVersion]:
    versions: list[DraftVersion] = []
    for i, item in enumerate(raw):
        path: Path = ("versies", i)
        start, end = where.period(item, path)
        if versions:
            prev = versions[-1]
            if prev.valid_to is None or start <= prev.valid_to:
                raise where.fail(
                    (*path, "geldig_van"),
                    f"overlapt met de vorige versie (vanaf {prev.valid_from}); geef die een "
                    "geldig_tot en zet de versies op volgorde",
                )
        steps: list[DraftStep] = []
        for j, s in enumerate(item["stappen"]):
            spath: Path = (*path, "stappen", j)
            name = s["naam"]
            if any(other.name == name for other in steps):
                raise where.fail((*spath, "naam"), f"stap '{name}' staat er al in deze versie")
            if name in params or name in INPUTS or name in IMPLICIT:
                raise where.fail((*spath, "naam"), f"'{name}' is al een parameter of invoer")
            text, expr = where.formula(s["formule"], (*spath, "formule"))
            steps.append(
                DraftStep(
                    name,
                    s["label"],
                    text,
                    expr,
                    Unit(s["eenheid"]),
                    s.get("uitleg"),
                    s.get("grondslag"),
                    spath,
                )
            )
        conditions: list[DraftCondition] = []
        for j, c in enumerate(item["voorwaarden"]):
            cpath: Path = (*path, "voorwaarden", j)
            if any(other.code == c["code"] for other in conditions):
                raise where.fail((*cpath, "code"), f"code '{c['code']}' staat er al in deze versie")
            text, expr = where.formula(c["eis"], (*cpath, "eis"))
            conditions.append(
                DraftCondition(
                    c["code"], c["label"], text, expr, c["grondslag"], c["uitleg"], cpath
                )
            )
        if len(conditions) > MAX_CONDITIONS:
            raise where.fail((*path, "voorwaarden"), f"hoogstens {MAX_CONDITIONS} voorwaarden")
        outcome = item["uitkomst"]
        versions.append(
            DraftVersion(
                start,
                end,
                steps,
                conditions,
                outcome["maand"],
                outcome.get("jaar"),
                item.get("toelichting"),
                path,
            )
        )
    return versions


def check_version(
    dv: DraftVersion, params: dict[str, Parameter], extern: ExternType, where: Where
) -> LogicVersion:
    by_name = {s.name: s for s in dv.steps}
    deps = {s.name: [r.name for r in local_step_refs(s.expr, by_name)] for s in dv.steps}
    try:
        order = order_steps(deps)
    except CycleError as exc:
        first = by_name[exc.cycle[0]]
        raise where.fail(
            (*first.path, "formule"), f"kringverwijzing tussen stappen: {' -> '.join(exc.cycle)}"
        ) from None
    types: dict[str, Type] = {}
    scope = Scope(params, types, extern)
    steps: list[Step] = []
    for name in order:
        ds = by_name[name]
        types[name] = _typed(ds.expr, scope, ds.path, "formule", ds.formula, where)
        if (types[name] is Type.BOOL) != (ds.unit is Unit.JA_NEE):
            want = "ja/nee" if types[name] is Type.BOOL else "een getal- of bedrageenheid"
            raise where.fail(
                (*ds.path, "eenheid"), f"deze formule geeft {types[name]}; eenheid {want}"
            )
        steps.append(
            Step(
                name,
                ds.label,
                ds.formula,
                ds.expr,
                ds.unit,
                ds.explanation,
                ds.basis,
                where.line((*ds.path, "formule")),
            )
        )
    for ds in dv.steps:
        _check_template(ds.explanation, scope, (*ds.path, "uitleg"), where)
    conditions: list[Condition] = []
    for dc in dv.conditions:
        got = _typed(dc.expr, scope, dc.path, "eis", dc.formula, where)
        if got is not Type.BOOL:
            raise where.fail((*dc.path, "eis"), "een eis is een ja/nee-uitdrukking (bv. a <= b)")
        _check_template(dc.explanation, scope, (*dc.path, "uitleg"), where)
        conditions.append(
            Condition(
                dc.code,
                dc.label,
                dc.formula,
                dc.expr,
                dc.basis,
                dc.explanation,
                where.line((*dc.path, "eis")),
            )
        )
    outcomes: tuple[tuple[str, str | None], ...] = (
        ("maand", dv.outcome_month),
        ("jaar", dv.outcome_year),
    )
    for key, target in outcomes:
        if target is None:
            continue
        if types.get(target) is not Type.NUMBER:
            raise where.fail(
                (*dv.path, "uitkomst", key),
                f"'{target}' is geen stap met een bedrag in deze versie",
            )
    return LogicVersion(
        valid_from=dv.valid_from,
        valid_to=dv.valid_to,
        steps=tuple(steps),
        conditions=tuple(conditions),
        outcome_month=dv.outcome_month,
        outcome_year=dv.outcome_year,
        note=dv.note,
        line=where.line(dv.path),
    )


def _typed(expr: Expr, scope: Scope, path: Path, key: str, text: str, where: Where) -> Type:
    try:
        return type_of(expr, scope)
    except ExprError as exc:
        raise where.expr_fail((*path, key), text, exc) from None


def _check_template(text: str | None, scope: Scope, path: Path, where: Where) -> None:
    if text is None:
        return
    stripped = PLACEHOLDER.sub("", text)
    if "{" in stripped or "}" in stripped:
        raise where.fail(path, "accolades horen om een naam: {naam} of {regeling.stap}")
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name == "waarde" or name in INPUTS:
            continue
        if "." in name:
            reg, step = name.split(".")
            if scope.extern is None or scope.extern(reg, step) is None:
                raise where.fail(path, f"{{{name}}} is geen stap van een regeling")
            continue
        if name in scope.params or name in scope.steps or name in IMPLICIT:
            continue
        raise where.fail(path, f"{{{name}}} is geen parameter, invoer of stap")
