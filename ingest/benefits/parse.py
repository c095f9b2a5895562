"""Reading benefit files (JSON or CSV) and recognising them beside bank statements.

Both forms become the same records through the same checks, so a coach who types the figures into
a spreadsheet (CSV) gets the same messages as a generator that writes JSON. Arithmetic errors are
refused (net must be gross minus wage tax: a typo there would put wrong income in the budget);
oddities that can be true are reported as problems.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from ingest.benefits.model import (
    CSV_COLUMNS,
    CSV_HEADER,
    FORMAT_MARKER,
    BenefitFile,
    BenefitPayment,
    RecordKind,
    Toeslag,
    ToeslagDecision,
)
from ingest.errors import IngestError
from ingest.model import Problem, Severity
from ingest.payers import default_registry
from ingest.profile.loader import read_document
from ingest.profile.schema_errors import Fields, Path, first_error
from ingest.profile.schema_errors import cents_text as _euros

_SCHEMA: dict[str, Any] = json.loads(
    resources.files("ingest.benefits").joinpath("benefits.schema.json").read_text("utf-8")
)
_FILE = Draft202012Validator(_SCHEMA)
_RECORD = {
    kind: Draft202012Validator({"$defs": _SCHEMA["$defs"], "$ref": f"#/$defs/{kind.value}"})
    for kind in RecordKind
}


def identify(data: bytes) -> bool:
    """True for our JSON (marker in the first 4 kB) or CSV (exact header); never raises."""
    head = data[:4096]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    text = head.decode("utf-8", errors="ignore")
    if text.lstrip().startswith("{"):
        return '"formaat"' in text and f'"{FORMAT_MARKER}"' in text
    first = text.split("\n", 1)[0].rstrip("\r").strip()
    return first == CSV_HEADER


def parse_benefit_file(data: bytes, filename: str) -> BenefitFile:
    """Parse a benefit file; raise :class:`IngestError` (line, field, what to do) when invalid."""
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if body.lstrip().startswith(b"{"):
        return _parse_json(data, filename)
    first = body.split(b"\n", 1)[0].rstrip(b"\r").strip()
    if first == CSV_HEADER.encode():
        return _parse_csv(body, filename)
    raise IngestError(
        filename,
        1,
        "dit is geen bestand met uitkeringsgegevens: verwacht JSON met "
        f'"formaat": "{FORMAT_MARKER}" of CSV met de kopregel {CSV_HEADER}',
    )


def _parse_json(data: bytes, filename: str) -> BenefitFile:
    doc, lines = read_document(data, filename)
    f = Fields(filename, lines)
    problem = first_error(_FILE, doc)
    if problem is not None:
        raise f.fail(*problem)
    payments = [
        _payment(raw, ("betalingen", i), f, f.line(("betalingen", i)))
        for i, raw in enumerate(doc.get("betalingen", []))
    ]
    decisions = [
        _decision(raw, ("beschikkingen", i), f, f.line(("beschikkingen", i)))
        for i, raw in enumerate(doc.get("beschikkingen", []))
    ]
    return _finish(filename, payments, decisions, doc.get("huishouden"))


_BOOLS = {"ja": True, "nee": False, "true": True, "false": False, "1": True, "0": False}


def _parse_csv(body: bytes, filename: str) -> BenefitFile:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise IngestError(
            filename, 1, "het bestand is geen UTF-8-tekst; sla het op als UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    next(reader)
    payments: list[BenefitPayment] = []
    decisions: list[ToeslagDecision] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise IngestError(filename, line, f"regel is geen geldige CSV: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        f = Fields(filename, {(): line})
        if len(row) != len(CSV_COLUMNS):
            raise f.fail(
                (), f"{len(row)} kolommen, verwacht {len(CSV_COLUMNS)} (gescheiden door ';')"
            )
        cells = dict(zip(CSV_COLUMNS, (c.strip() for c in row), strict=True))
        try:
            kind = RecordKind(cells["soort"])
        except ValueError:
            raise f.fail(
                ("soort",), f"{cells['soort']!r} moet 'betaling' of 'beschikking' zijn"
            ) from None
        raw = _csv_record(kind, cells, f)
        problem = first_error(_RECORD[kind], raw)
        if problem is not None:
            raise f.fail(*problem)
        if kind is RecordKind.BETALING:
            payments.append(_payment(raw, (), f, line))
        else:
            decisions.append(_decision(raw, (), f, line))
    return _finish(filename, payments, decisions, None)


def _csv_record(kind: RecordKind, cells: dict[str, str], f: Fields) -> dict[str, Any]:
    """The row as the JSON record of its kind: only its own columns, typed like JSON."""
    fields = _RECORD[kind].schema["$defs"][kind.value]["properties"]
    raw: dict[str, Any] = {}
    for name, value in cells.items():
        if name == "soort" or value == "":
            continue
        if name not in fields:
            raise f.fail((name,), f"hoort niet bij een {kind.value}; laat deze kolom leeg")
        if name == "jaar":
            raw[name] = int(value) if value.isdigit() else value
        elif name == "met_partner":
            raw[name] = _BOOLS.get(value.lower(), value)
        else:
            raw[name] = value.replace(",", ".") if name in _MONEY and "." not in value else value
    return raw


_MONEY = frozenset(
    ("bruto", "loonheffing", "netto", "voorschot_jaar", "voorschot_maand", "geschat_inkomen")
)


def _payment(raw: dict[str, Any], path: Path, f: Fields, line: int) -> BenefitPayment:
    payer = raw["betaler"]
    registry = default_registry()
    if payer not in {p.id for p in registry.payers}:
        raise f.fail(
            (*path, "betaler"),
            f"{payer!r} staat niet in het betalersregister; gebruik een id zoals uwv, svb, "
            "belastingdienst_toeslagen of gemeente_utrecht_werk_en_inkomen",
        )
    start, end = f.date_range(
        raw["periode_van"], raw["periode_tot"], (*path, "periode_van"), (*path, "periode_tot")
    )
    gross = f.cents(raw["bruto"], (*path, "bruto"))
    tax = f.cents(raw["loonheffing"], (*path, "loonheffing"))
    net = f.cents(raw["netto"], (*path, "netto"))
    if net != gross - tax:
        raise f.fail(
            (*path, "netto"),
            f"{_euros(net)} is niet bruto {_euros(gross)} min loonheffing {_euros(tax)} "
            f"(= {_euros(gross - tax)}); neem de bedragen over zoals ze op de specificatie staan",
        )
    return BenefitPayment(
        payer=payer,
        regeling=raw["regeling"],
        period_start=start,
        period_end=end if end is not None else start,
        payment_date=f.date(raw["betaaldatum"], (*path, "betaaldatum")),
        gross_cents=gross,
        wage_tax_cents=tax,
        net_cents=net,
        reference=raw.get("omschrijving") or None,
        line=line,
    )


def _decision(raw: dict[str, Any], path: Path, f: Fields, line: int) -> ToeslagDecision:
    return ToeslagDecision(
        regeling=Toeslag(raw["regeling"]),
        year=raw["jaar"],
        advance_year_cents=f.cents(raw["voorschot_jaar"], (*path, "voorschot_jaar")),
        advance_month_cents=f.cents(raw["voorschot_maand"], (*path, "voorschot_maand")),
        income_estimate_cents=f.cents(raw["geschat_inkomen"], (*path, "geschat_inkomen")),
        decision_date=f.date(raw["beschikkingsdatum"], (*path, "beschikkingsdatum")),
        with_partner=raw["met_partner"],
        line=line,
    )


def _finish(
    filename: str,
    payments: list[BenefitPayment],
    decisions: list[ToeslagDecision],
    household: str | None,
) -> BenefitFile:
    """Warnings that do not stop the import: duplicates and a monthly voorschot off the yearly."""
    problems: list[Problem] = []
    seen: dict[BenefitPayment, int] = {}
    for p in payments:
        if p in seen:
            problems.append(
                Problem(
                    filename,
                    p.line,
                    f"deze betaling staat ook op regel {seen[p]}; is hij dubbel ingevoerd?",
                )
            )
        seen.setdefault(p, p.line)
    for d in decisions:
        if abs(d.advance_month_cents * 12 - d.advance_year_cents) > 12:
            problems.append(
                Problem(
                    filename,
                    d.line,
                    f"voorschot_maand {_euros(d.advance_month_cents)} x 12 is niet ongeveer "
                    f"voorschot_jaar {_euros(d.advance_year_cents)}; controleer de beschikking",
                    Severity.WARNING,
                )
            )
    return BenefitFile(tuple(payments), tuple(decisions), tuple(problems), household)
