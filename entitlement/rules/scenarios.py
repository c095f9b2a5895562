"""Scenario tests as data: a household-month, the published outcome, checked by both evaluators.

A scenario file (``entitlement/regelingen/tests/<regeling>.yaml``) lists cases a policy expert
can read and check against a published figure: the month, the inputs in euros, and what must come
out (status, reasons, amounts, any step). The runner builds one frame of all cases, evaluates it
with the vectorised engine and each case with the per-case evaluator, and reports every
difference with the file and line of the scenario.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from jsonschema import Draft202012Validator

from entitlement.rules.case import evaluate_case
from entitlement.rules.engine import column, evaluate, reason_names
from entitlement.rules.errors import RuleError, Where
from entitlement.rules.frames import used_inputs
from entitlement.rules.inputs import INPUTS, MONTH_COLUMN, InputKind, input_schema
from entitlement.rules.registry import Rules
from ingest.errors import IngestError
from ingest.profile.loader import read_document
from ingest.profile.schema_errors import Path as FieldPath
from ingest.profile.schema_errors import first_error


def _validator() -> Draft202012Validator:
    text = resources.files("entitlement.rules").joinpath("scenario.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


_VALIDATOR = _validator()


@dataclass(frozen=True)
class ScenarioOutcome:
    file: str
    line: int
    name: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def derived_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """Fill ``aantal_personen`` from partner, children and cost-sharers when not given."""
    if values.get("aantal_personen") is None:
        values["aantal_personen"] = (
            1
            + int(bool(values.get("partner")))
            + len(values.get("kinderen") or ())
            + int(values.get("kostendelers") or 0)
        )
    return values


def input_row(
    raw: dict[str, Any], needed: set[str], where: Where, path: FieldPath
) -> dict[str, Any]:
    """Scenario (or ``hhb calc``) inputs in euros as a frame row in cents, defaults filled."""
    for name in raw:
        if name not in INPUTS:
            close = difflib.get_close_matches(name, list(INPUTS), n=1)
            hint = f"; bedoelt u '{close[0]}'?" if close else ""
            raise where.fail((*path, name), f"onbekende invoer{hint}")
    values: dict[str, Any] = {n: raw.get(n, INPUTS[n].default) for n in INPUTS}
    values = derived_defaults(values)
    row: dict[str, Any] = {}
    for name, spec in INPUTS.items():
        value = values[name]
        if value is None:
            if name in needed:
                raise where.fail(path, f"invoer '{name}' ontbreekt ({spec.label})")
            continue
        if spec.kind is InputKind.MONEY:
            cents = Decimal(str(value)) * 100
            if cents != cents.to_integral_value():
                raise where.fail((*path, name), f"{value!r} heeft meer dan twee decimalen")
            row[spec.column] = int(cents)
        elif spec.kind is InputKind.INT:
            row[spec.column] = int(Decimal(str(value)))
        elif spec.kind is InputKind.BOOL:
            row[spec.column] = bool(value)
        elif spec.kind is InputKind.AGES:
            row[spec.column] = [int(a) for a in value]
        else:
            row[spec.column] = str(value)
    return row


def run_file(rules: Rules, path: Path) -> list[ScenarioOutcome]:
    """Run every scenario in one file; a malformed file raises :class:`RuleError`."""
    try:
        doc, lines = read_document(path.read_bytes(), str(path))
    except IngestError as exc:
        raise RuleError(exc.file, exc.line, exc.message) from None
    where = Where(str(path), lines)
    problem = first_error(_VALIDATOR, doc)
    if problem is not None:
        raise where.fail(*problem)
    name = doc["regeling"]
    if name not in rules:
        raise where.fail(("regeling",), f"regeling '{name}' bestaat niet")
    needed = used_inputs(rules[name])  # dependencies may lack theirs (see engine)
    rows = []
    for i, scenario in enumerate(doc["scenarios"]):
        spath: FieldPath = ("scenarios", i)
        month = where.date(scenario["maand"] + "-01", (*spath, "maand"))
        row = input_row(scenario["invoer"], needed, where, (*spath, "invoer"))
        rows.append({MONTH_COLUMN: month, **row})
    schema = input_schema()
    frame = pl.DataFrame(rows, schema={c: schema[c] for c in schema if any(c in r for r in rows)})
    out = evaluate(frame, rules, [name])
    results = []
    for i, scenario in enumerate(doc["scenarios"]):
        got = out.row(i, named=True)
        problems = _compare(rules, name, scenario, got)
        problems += _cross_check(rules, name, got)
        results.append(
            ScenarioOutcome(
                str(path), where.line(("scenarios", i)), scenario["naam"], tuple(problems)
            )
        )
    return results


def _close(got: float | None, want: Decimal, margin: Decimal) -> bool:
    return got is not None and abs(Decimal(repr(got)) - want) <= margin


def _compare(rules: Rules, name: str, scenario: dict[str, Any], got: dict[str, Any]) -> list[str]:
    want = scenario["verwacht"]
    margin = Decimal(str(scenario.get("marge", "0")))
    problems: list[str] = []
    status = got[column(name, "status")]
    if "status" in want and want["status"] != status:
        problems.append(f"status: verwacht {want['status']}, kreeg {status}")
    if "recht" in want and want["recht"] != got[column(name, "recht")]:
        problems.append(f"recht: verwacht {want['recht']}, kreeg {got[column(name, 'recht')]}")
    if "redenen" in want:
        reasons = list(reason_names(rules[name], int(got[column(name, "redenen")])))
        if sorted(want["redenen"]) != sorted(reasons):
            problems.append(f"redenen: verwacht {want['redenen']}, kreeg {reasons}")
    for key in ("bedrag_maand", "bedrag_jaar"):
        if key in want:
            cents = got.get(column(name, f"{key}_cents"))
            expected = Decimal(str(want[key]))
            if cents is None or abs(Decimal(cents) / 100 - expected) > margin:
                shown = "niets" if cents is None else f"{Decimal(cents) / 100}"
                problems.append(f"{key}: verwacht {expected}, kreeg {shown}")
    for step, expected in want.get("stappen", {}).items():
        key = column(name, step)
        if key not in got:
            problems.append(f"stap '{step}' bestaat niet")
            continue
        value = got[key]
        if expected is None or isinstance(expected, bool):
            if value != expected:
                problems.append(f"stap {step}: verwacht {expected}, kreeg {value}")
        elif not _close(value, Decimal(str(expected)), max(margin, Decimal("0.005"))):
            problems.append(f"stap {step}: verwacht {expected}, kreeg {value}")
    return problems


def _cross_check(rules: Rules, name: str, got: dict[str, Any]) -> list[str]:
    """The per-case evaluator must give exactly what the vectorised engine gave."""
    case = evaluate_case(rules, got, name)
    problems = []
    if case.status.value != got[column(name, "status")]:
        problems.append(
            f"per geval: status {case.status.value} i.p.v. {got[column(name, 'status')]}"
        )
    if case.month_cents != got[column(name, "bedrag_maand_cents")]:
        problems.append("per geval: ander maandbedrag dan de gevectoriseerde berekening")
    for step, value in case.steps.items():
        if value != got[column(name, step)]:
            problems.append(f"per geval: stap {step} = {value} i.p.v. {got[column(name, step)]}")
    return problems


def scenario_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def month_of(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")
