"""Benefit payments and toeslag decisions of a chunk of households, one query per table.

The companions of :mod:`store.bulk` that only the regeling facts need (kept apart so that the
budget facts do not load the entitlement package). The frames are those of the entitlement
package's one-household reads, so their schemas are taken from there.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from entitlement.income import PAYMENT_SCHEMA
from entitlement.received import DECISION_SCHEMA
from store.models import BenefitPaymentRow, ToeslagDecisionRow, Transaction


def payments(session: Session, ids: dict[str, int], start: dt.date, end: dt.date) -> pl.DataFrame:
    """The same as :func:`entitlement.income_store.payments_frame` over [start, end] for many
    households, household by household in its order (:data:`~entitlement.income.PAYMENT_SCHEMA`)."""
    codes = {hid: code for code, hid in ids.items()}
    rows = session.execute(
        select(
            BenefitPaymentRow.household_id, BenefitPaymentRow.payer, BenefitPaymentRow.regeling,
            BenefitPaymentRow.period_start, BenefitPaymentRow.payment_date,
            BenefitPaymentRow.gross_cents, BenefitPaymentRow.wage_tax_cents,
            BenefitPaymentRow.net_cents, Transaction.tx_key,
        )
        .outerjoin(Transaction, Transaction.id == BenefitPaymentRow.transaction_id)
        .where(
            BenefitPaymentRow.household_id.in_(list(codes)),
            BenefitPaymentRow.payment_date >= start, BenefitPaymentRow.payment_date <= end,
        )
        .order_by(
            BenefitPaymentRow.household_id, BenefitPaymentRow.payment_date, BenefitPaymentRow.id
        )
    ).all()  # fmt: skip
    return pl.DataFrame([(codes[r[0]], *r[1:]) for r in rows], schema=PAYMENT_SCHEMA, orient="row")


def decisions(session: Session, ids: dict[str, int]) -> pl.DataFrame:
    """The same as :func:`entitlement.received.decisions_frame` for many households, household
    by household in its order (:data:`~entitlement.received.DECISION_SCHEMA`)."""
    codes = {hid: code for code, hid in ids.items()}
    rows = session.execute(
        select(
            ToeslagDecisionRow.household_id, ToeslagDecisionRow.regeling, ToeslagDecisionRow.year,
            ToeslagDecisionRow.advance_year_cents, ToeslagDecisionRow.advance_month_cents,
            ToeslagDecisionRow.income_estimate_cents, ToeslagDecisionRow.decision_date,
            ToeslagDecisionRow.with_partner,
        )
        .where(ToeslagDecisionRow.household_id.in_(list(codes)))
        .order_by(
            ToeslagDecisionRow.household_id, ToeslagDecisionRow.decision_date,
            ToeslagDecisionRow.id,
        )
    ).all()  # fmt: skip
    return pl.DataFrame([(codes[r[0]], *r[1:]) for r in rows], schema=DECISION_SCHEMA, orient="row")
