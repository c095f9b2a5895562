"""Writing benefit files, for the demo generator and for exporting what a coach typed in.

The output is exactly what :func:`ingest.benefits.parse_benefit_file` reads back (a tested round
trip), so generated test households go through the same checks as real ones.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from ingest.benefits.model import (
    CSV_COLUMNS,
    FORMAT_MARKER,
    FORMAT_VERSION,
    BenefitPayment,
    RecordKind,
    ToeslagDecision,
)
from ingest.profile.schema_errors import cents_text


def payment_record(p: BenefitPayment) -> dict[str, Any]:
    record: dict[str, Any] = {
        "betaler": p.payer,
        "regeling": p.regeling,
        "periode_van": p.period_start.isoformat(),
        "periode_tot": p.period_end.isoformat(),
        "betaaldatum": p.payment_date.isoformat(),
        "bruto": cents_text(p.gross_cents),
        "loonheffing": cents_text(p.wage_tax_cents),
        "netto": cents_text(p.net_cents),
    }
    if p.reference:
        record["omschrijving"] = p.reference
    return record


def decision_record(d: ToeslagDecision) -> dict[str, Any]:
    return {
        "regeling": d.regeling.value,
        "jaar": d.year,
        "voorschot_jaar": cents_text(d.advance_year_cents),
        "voorschot_maand": cents_text(d.advance_month_cents),
        "geschat_inkomen": cents_text(d.income_estimate_cents),
        "beschikkingsdatum": d.decision_date.isoformat(),
        "met_partner": d.with_partner,
    }


def write_benefit_json(
    payments: Iterable[BenefitPayment],
    decisions: Iterable[ToeslagDecision] = (),
    household_id: str | None = None,
) -> bytes:
    """The JSON form, marker first so :func:`identify` sees it in the first bytes."""
    doc: dict[str, Any] = {"formaat": FORMAT_MARKER, "versie": FORMAT_VERSION}
    if household_id is not None:
        doc["huishouden"] = household_id
    doc["betalingen"] = [payment_record(p) for p in payments]
    doc["beschikkingen"] = [decision_record(d) for d in decisions]
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_benefit_csv(
    payments: Iterable[BenefitPayment], decisions: Iterable[ToeslagDecision] = ()
) -> bytes:
    """The CSV form: fixed header, ``;``-separated, one row per payment or decision."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows: list[tuple[RecordKind, dict[str, Any]]] = [
        (RecordKind.BETALING, payment_record(p)) for p in payments
    ]
    rows += [(RecordKind.BESCHIKKING, decision_record(d)) for d in decisions]
    for kind, record in rows:
        cells = {"soort": kind.value, **record}
        if "met_partner" in cells:
            cells["met_partner"] = "ja" if cells["met_partner"] else "nee"
        writer.writerow([str(cells.get(c, "")) for c in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")
