"""Reading one regeling file: YAML with line numbers, the JSON Schema, parameters and formulas.

The result is a :class:`Draft`: everything a single file can check on its own is checked (schema,
dates, overlapping periods, tables, syntax of every formula). What needs the other files too
(steps of another regeling, types that flow through them, cycles between regelingen) is finished
by :mod:`entitlement.rules.versions` when the registry has read them all. Every refusal names
file, line and cause; a formula error also names the character position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from entitlement.rules.check import ExternType
from entitlement.rules.errors import RuleError, Where
from entitlement.rules.expr import refs
from entitlement.rules.inputs import IMPLICIT, INPUTS
from entitlement.rules.model import (
    Band,
    Level,
    Parameter,
    ParamVersion,
    Payment,
    Regeling,
    Source,
    Status,
    Unit,
)
from entitlement.rules.versions import MAX_CONDITIONS, DraftVersion, check_version, read_versions
from ingest.errors import IngestError
from ingest.profile.loader import read_document
from ingest.profile.schema_errors import Path, first_error

_PATTERNS = {
    "^[a-z][a-z0-9_]*$": (
        "is geen geldige naam (kleine letters, cijfers en _, begint met een letter)"
    ),
    "^-?[0-9]+(\\.[0-9]+)?$": "is geen getal (schrijf bv. 1987 of 1.879, punt als decimaalteken)",
    "^https?://": "is geen webadres (begint met https://)",
}


@dataclass
class Draft:
    name: str
    title: str
    level: Level
    municipality: str | None
    source: Source
    payment: Payment
    description: str
    parameters: dict[str, Parameter]
    versions: list[DraftVersion]
    where: Where

    def extern_regelingen(self) -> set[str]:
        """The other regelingen whose steps this one uses."""
        found: set[str] = set()
        for version in self.versions:
            exprs = [s.expr for s in version.steps] + [c.expr for c in version.conditions]
            for expr in exprs:
                found.update(r.regeling for r in refs(expr) if r.regeling is not None)
        return found


def _validator() -> Draft202012Validator:
    text = resources.files("entitlement.rules").joinpath("schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


_VALIDATOR = _validator()


def read_regeling(data: bytes, filename: str, stem: str | None = None) -> Draft:
    """Read and check one regeling file; ``stem`` is the file name without ``.yaml``."""
    try:
        doc, lines = read_document(data, filename)
    except IngestError as exc:
        raise RuleError(exc.file, exc.line, exc.message) from None
    where = Where(filename, lines)
    problem = first_error(_VALIDATOR, doc)
    if problem is not None:
        path, reason = problem
        if reason.endswith("heeft niet de juiste vorm"):
            reason = reason.replace("heeft niet de juiste vorm", _pattern_reason(path))
        if reason.startswith("onbekend veld") and not str(path[-1]).isidentifier():
            reason += "; staat er een formule met een komma zonder aanhalingstekens eromheen?"
        raise where.fail(path, reason)
    name = doc["regeling"]
    level = Level(doc["niveau"])
    municipality = doc.get("gemeente")
    if level is Level.LANDELIJK and municipality is not None:
        raise where.fail(("gemeente",), "een landelijke regeling heeft geen gemeente")
    if municipality is not None and not name.endswith("_" + municipality.lower()):
        raise where.fail(
            ("regeling",),
            f"de naam van een gemeentelijke regeling eindigt op _{municipality.lower()}",
        )
    if stem is not None and stem != name:
        raise where.fail(("regeling",), f"'{name}' moet gelijk zijn aan de bestandsnaam '{stem}'")
    parameters = {
        pname: read_parameter(pname, raw, ("parameters", pname), where)
        for pname, raw in doc["parameters"].items()
    }
    for pname in parameters:
        if pname in INPUTS or pname in IMPLICIT:
            raise where.fail(("parameters", pname), f"'{pname}' is al de naam van een invoer")
    versions = read_versions(doc["versies"], parameters, where)
    return Draft(
        name=name,
        title=doc["naam"],
        level=level,
        municipality=municipality,
        source=Source(doc["bron"]["titel"], doc["bron"].get("url")),
        payment=Payment(doc["betaling"]),
        description=doc["omschrijving"],
        parameters=parameters,
        versions=versions,
        where=where,
    )


def _pattern_reason(path: Path) -> str:
    """What a pattern in our schema means, judged by the field it is on."""
    last = path[-1] if path else ""
    if last == "url":
        return _PATTERNS["^https?://"]
    if last == "waarde":
        return _PATTERNS["^-?[0-9]+(\\.[0-9]+)?$"]
    if last in ("geldig_van", "geldig_tot"):
        return "is geen geldige datum (jjjj-mm-dd)"
    if last == "gemeente":
        return "is geen CBS-gemeentecode (GM en 4 cijfers, bv. GM0344 voor Utrecht)"
    return _PATTERNS["^[a-z][a-z0-9_]*$"]


def _number(raw: Any, unit: Unit) -> tuple[float, str]:
    text = str(raw)
    value = Decimal(text)
    if unit is Unit.PROCENT:
        value = value / 100
    return float(value), text


def read_parameter(name: str, raw: dict[str, Any], path: Path, where: Where) -> Parameter:
    unit = Unit(raw["eenheid"])
    is_table = bool(raw.get("tabel", False))
    versions: list[ParamVersion] = []
    for i, item in enumerate(raw["waarden"]):
        vpath: Path = (*path, "waarden", i)
        start, end = where.period(item, vpath)
        status = Status(item["status"])
        value: float | None = None
        text: str | None = None
        bands: tuple[Band, ...] = ()
        if status is Status.NIET_GEVONDEN:
            for key in ("waarde", "tabel"):
                if key in item:
                    raise where.fail(
                        (*vpath, key), "een waarde die niet gevonden is heeft geen waarde"
                    )
            if "toelichting" not in item:
                raise where.fail(vpath, "zeg in 'toelichting' waar gezocht is en wat ontbreekt")
        elif is_table:
            if "tabel" not in item or "waarde" in item:
                raise where.fail(
                    vpath, "een tabelparameter geeft per periode een 'tabel', geen 'waarde'"
                )
            bands = _bands(item["tabel"], unit, (*vpath, "tabel"), where)
        else:
            if "waarde" not in item or "tabel" in item:
                raise where.fail(vpath, "geef een 'waarde' (of zet 'tabel: true' bij de parameter)")
            value, text = _number(item["waarde"], unit)
        if versions:
            prev = versions[-1]
            if prev.valid_to is None or start <= prev.valid_to:
                raise where.fail(
                    (*vpath, "geldig_van"),
                    f"overlapt met de vorige periode (vanaf {prev.valid_from}); geef die een "
                    "geldig_tot en zet de periodes op volgorde",
                )
        versions.append(
            ParamVersion(
                valid_from=start,
                valid_to=end,
                value=value,
                text=text,
                bands=bands,
                source=Source(item["bron"], item.get("url")),
                status=status,
                note=item.get("toelichting"),
                line=where.line(vpath),
            )
        )
    return Parameter(
        name=name,
        label=raw["label"],
        unit=unit,
        versions=tuple(versions),
        is_table=is_table,
        basis=raw.get("grondslag"),
    )


def _bands(raw: list[dict[str, Any]], unit: Unit, path: Path, where: Where) -> tuple[Band, ...]:
    bands: list[Band] = []
    for i, row in enumerate(raw):
        low, high = row["leeftijd_van"], row["leeftijd_tot"]
        if high < low:
            raise where.fail((*path, i, "leeftijd_tot"), "ligt onder leeftijd_van")
        if bands and low <= bands[-1].high:
            raise where.fail(
                (*path, i, "leeftijd_van"), "overlapt met de vorige rij; zet de rijen op leeftijd"
            )
        value, text = _number(row["waarde"], unit)
        bands.append(Band(low, high, value, text))
    return tuple(bands)


def finish(draft: Draft, extern: ExternType) -> Regeling:
    """Check the logic versions now that the other regelingen are known (see module docstring)."""
    versions = tuple(
        check_version(v, draft.parameters, extern, draft.where) for v in draft.versions
    )
    codes: dict[str, None] = {}
    for version in versions:
        for condition in version.conditions:
            codes.setdefault(condition.code, None)
    if len(codes) > MAX_CONDITIONS:
        raise draft.where.fail(("versies",), f"hoogstens {MAX_CONDITIONS} verschillende codes")
    return Regeling(
        name=draft.name,
        title=draft.title,
        level=draft.level,
        municipality=draft.municipality,
        source=draft.source,
        payment=draft.payment,
        description=draft.description,
        parameters=draft.parameters,
        versions=versions,
        file=draft.where.filename,
        reason_codes=tuple(codes),
    )
