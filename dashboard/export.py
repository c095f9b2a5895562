"""Everything stored about one household, for the participant to take away (JSON or CSV).

The right of access: the participant downloads their profile versions, transactions (deleted
ones too, marked), benefit data, imports, consents, notes, classification rules and audit log.
Amounts stay integer cents, as in every ``--json`` of the command line; the raw bank files are
listed by SHA-256 (the participant has them) rather than repeated. CSV comes as a zip with one
file per table, semicolon-separated as Dutch spreadsheets expect.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from store.households import get_household
from store.models import (
    AuditEvent,
    Base,
    BenefitPaymentRow,
    ClassificationRule,
    Consent,
    Import,
    MonthNote,
    ProfileVersion,
    SignalSettings,
    ToeslagDecisionRow,
    Transaction,
    User,
)

TABLES: tuple[tuple[str, type[Base]], ...] = (
    ("profiles", ProfileVersion),
    ("transactions", Transaction),
    ("benefit_payments", BenefitPaymentRow),
    ("toeslag_decisions", ToeslagDecisionRow),
    ("imports", Import),
    ("consents", Consent),
    ("month_notes", MonthNote),
    ("classification_rules", ClassificationRule),
    ("signal_settings", SignalSettings),
    ("audit_log", AuditEvent),
)
_SKIP = frozenset({"household_id"})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def household_data(session: Session, household_code: str) -> dict[str, Any]:
    """All stored rows about the household, per table, as plain JSON-ready values."""
    household = get_household(session, household_code)
    coaches = {uid: name for uid, name in session.execute(select(User.id, User.username))}
    out: dict[str, Any] = {
        "household": household.code,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for name, model in TABLES:
        table = cast(Table, model.__table__)
        columns = [c for c in table.columns if c.key not in _SKIP]
        order = list(table.primary_key.columns)
        rows = session.scalars(
            select(model).where(table.c.household_id == household.id).order_by(*order)
        ).all()
        records = []
        for row in rows:
            record = {c.key: _plain(getattr(row, c.key)) for c in columns}
            if "coach_id" in record:
                record["coach"] = coaches.get(record.pop("coach_id"), "")
            records.append(record)
        out[name] = records
    return out


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def as_csv_zip(data: dict[str, Any]) -> bytes:
    """One CSV per table in a zip; nested values (a profile document) as JSON text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, _model in TABLES:
            records: list[dict[str, Any]] = data[name]
            text = io.StringIO()
            if records:
                writer = csv.DictWriter(text, fieldnames=list(records[0]), delimiter=";",
                                        lineterminator="\r\n")  # fmt: skip
                writer.writeheader()
                for record in records:
                    writer.writerow(
                        {
                            k: json.dumps(v, ensure_ascii=False)
                            if isinstance(v, dict | list)
                            else ("" if v is None else v)
                            for k, v in record.items()
                        }
                    )
            # UTF-8 with BOM: Excel then reads the accents right.
            archive.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()
