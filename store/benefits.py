"""Storing benefit payment data (payments and toeslag decisions) beside the bank statements.

Same guarantees as bank imports: all or nothing per file, the raw bytes kept, and nothing stored
twice — a record's key is its content plus its occurrence in the file, so a corrected or
re-delivered specification adds only what is new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest.benefits import DEFAULT_MAX_DAYS_AFTER, link_payments
from ingest.benefits.model import BenefitFile, BenefitPayment, ToeslagDecision
from ingest.errors import IngestError
from store.import_log import ImportSummary, begin_import, finish_import
from store.models import BenefitPaymentRow, Household, ToeslagDecisionRow, Transaction


def _keys(fields: Iterable[tuple[object, ...]]) -> list[str]:
    seen: dict[tuple[object, ...], int] = {}
    keys = []
    for record in fields:
        seen[record] = seen.get(record, 0) + 1
        raw = "|".join(map(str, (*record, seen[record]))).encode()
        keys.append(hashlib.blake2b(raw, digest_size=16).hexdigest())
    return keys


def _payment_fields(p: BenefitPayment) -> tuple[object, ...]:
    return (
        p.payer, p.regeling, p.period_start, p.period_end, p.payment_date,
        p.gross_cents, p.wage_tax_cents, p.net_cents,
    )  # fmt: skip


def _decision_fields(d: ToeslagDecision) -> tuple[object, ...]:
    return (
        d.regeling, d.year, d.decision_date, d.advance_year_cents, d.advance_month_cents,
        d.income_estimate_cents, d.with_partner,
    )  # fmt: skip


def store_benefit_file(
    session: Session,
    household: Household,
    parsed: BenefitFile,
    data: bytes,
    filename: str,
    actor: str,
) -> ImportSummary:
    if parsed.household_id is not None and parsed.household_id != household.code:
        raise IngestError(
            filename,
            1,
            f"dit bestand hoort bij huishouden {parsed.household_id!r}, niet bij "
            f"{household.code!r}; kies het juiste huishouden",
        )
    days = [p.period_start for p in parsed.payments] + [p.payment_date for p in parsed.payments]
    days += [d.decision_date for d in parsed.decisions]
    payers = sorted({p.payer for p in parsed.payments}) or ["Dienst Toeslagen"]
    record, seen_before = begin_import(
        session,
        household,
        data,
        filename,
        format="benefit",
        bank=", ".join(payers)[:64],
        dialect="json" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv",
        importer="benefits",
        accounts=[],
        period=(min(days, default=None), max(days, default=None)),
        n_in_file=len(parsed.payments) + len(parsed.decisions),
        actor=actor,
    )
    stored_payments = set(
        session.scalars(
            select(BenefitPaymentRow.record_key).where(
                BenefitPaymentRow.household_id == household.id
            )
        )
    )
    stored_decisions = set(
        session.scalars(
            select(ToeslagDecisionRow.record_key).where(
                ToeslagDecisionRow.household_id == household.id
            )
        )
    )
    new_payments = [
        {
            "household_id": household.id,
            "import_id": record.id,
            "record_key": key,
            "payer": p.payer,
            "regeling": p.regeling,
            "period_start": p.period_start,
            "period_end": p.period_end,
            "payment_date": p.payment_date,
            "gross_cents": p.gross_cents,
            "wage_tax_cents": p.wage_tax_cents,
            "net_cents": p.net_cents,
            "reference": p.reference,
            "position": p.line,
            "transaction_id": None,
        }
        for p, key in zip(
            parsed.payments, _keys(map(_payment_fields, parsed.payments)), strict=True
        )
        if key not in stored_payments
    ]
    new_decisions = [
        {
            "household_id": household.id,
            "import_id": record.id,
            "record_key": key,
            "regeling": str(d.regeling),
            "year": d.year,
            "advance_year_cents": d.advance_year_cents,
            "advance_month_cents": d.advance_month_cents,
            "income_estimate_cents": d.income_estimate_cents,
            "decision_date": d.decision_date,
            "with_partner": d.with_partner,
            "position": d.line,
        }
        for d, key in zip(
            parsed.decisions, _keys(map(_decision_fields, parsed.decisions)), strict=True
        )
        if key not in stored_decisions
    ]
    if new_payments:
        session.execute(insert(BenefitPaymentRow), new_payments)
    if new_decisions:
        session.execute(insert(ToeslagDecisionRow), new_decisions)
    added = len(new_payments) + len(new_decisions)
    duplicates = record.n_in_file - added
    links = relink(session, household.id) if new_payments else 0
    return finish_import(
        session, record, seen_before, added, duplicates, 0, list(parsed.problems), links=links
    )


def relink(session: Session, household_id: int) -> int:
    """Link unlinked benefit payments to unlinked bank transactions; returns how many were linked.

    Runs after every import of either kind, because the specification and the bank statement
    can arrive in any order. The rule itself lives in :func:`ingest.benefits.link_payments`.
    """
    rows = session.scalars(
        select(BenefitPaymentRow).where(
            BenefitPaymentRow.household_id == household_id,
            BenefitPaymentRow.transaction_id.is_(None),
        )
    ).all()
    if not rows:
        return 0
    first = min(r.payment_date for r in rows)
    last = max(r.payment_date for r in rows) + dt.timedelta(days=DEFAULT_MAX_DAYS_AFTER)
    taken = select(BenefitPaymentRow.transaction_id).where(
        BenefitPaymentRow.household_id == household_id,
        BenefitPaymentRow.transaction_id.is_not(None),
    )
    candidates = session.execute(
        select(
            Transaction.id,
            Transaction.booking_date,
            Transaction.amount_cents,
            Transaction.counterparty_iban,
            Transaction.counterparty_name,
            Transaction.description,
        ).where(
            Transaction.household_id == household_id,
            Transaction.deleted_at.is_(None),
            Transaction.amount_cents > 0,
            Transaction.booking_date >= first,
            Transaction.booking_date <= last,
            Transaction.id.not_in(taken),
        )
    ).all()
    payments = [
        BenefitPayment(
            payer=r.payer,
            regeling=r.regeling,
            period_start=r.period_start,
            period_end=r.period_end,
            payment_date=r.payment_date,
            gross_cents=r.gross_cents,
            wage_tax_cents=r.wage_tax_cents,
            net_cents=r.net_cents,
            reference=r.reference,
        )
        for r in rows
    ]
    links = link_payments(payments, candidates)
    for link in links:
        rows[link.payment_index].transaction_id = candidates[link.transaction_index].id
    return len(links)
