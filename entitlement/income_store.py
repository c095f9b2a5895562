"""Reading one household's income inputs from the store: specifications, persons, income.

The income arithmetic (:mod:`entitlement.income`) works on frames of many households; these
conveniences fill those frames for one household from the database, for the commands and the
dashboard that show a single household.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from entitlement.income import PAYMENT_SCHEMA, PERSON_SCHEMA, income_lines, monthly_income
from ingest.profile.model import Role
from store.classification import classified_transactions
from store.households import get_household
from store.models import BenefitPaymentRow, Transaction
from store.profiles import profile_on


def payments_frame(
    session: Session, household_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """The household's payment specifications paid in [start, end] (:data:`PAYMENT_SCHEMA`)."""
    household = get_household(session, household_code)
    query = (
        select(
            BenefitPaymentRow.payer, BenefitPaymentRow.regeling, BenefitPaymentRow.period_start,
            BenefitPaymentRow.payment_date, BenefitPaymentRow.gross_cents,
            BenefitPaymentRow.wage_tax_cents, BenefitPaymentRow.net_cents, Transaction.tx_key,
        )
        .outerjoin(Transaction, Transaction.id == BenefitPaymentRow.transaction_id)
        .where(BenefitPaymentRow.household_id == household.id)
        .order_by(BenefitPaymentRow.payment_date, BenefitPaymentRow.id)
    )  # fmt: skip
    if start is not None:
        query = query.where(BenefitPaymentRow.payment_date >= start)
    if end is not None:
        query = query.where(BenefitPaymentRow.payment_date <= end)
    rows = [(household.code, *r) for r in session.execute(query).all()]
    return pl.DataFrame(rows, schema=PAYMENT_SCHEMA, orient="row")


def persons_frame(session: Session, household_code: str, day: dt.date) -> pl.DataFrame:
    """Aanvrager and toeslagpartner from the profile valid on ``day`` (:data:`PERSON_SCHEMA`).

    Without a profile: no partner and unknown birth dates (AOW age then not checked).
    """
    profile = profile_on(session, household_code, day)
    if profile is None:
        row: tuple[object, ...] = (household_code, False, None, None)
    else:
        partner = next((m for m in profile.members_on(day) if m.role is Role.TOESLAGPARTNER), None)
        birth = partner.birth_date if partner else None
        row = (household_code, partner is not None, profile.applicant.birth_date, birth)
    return pl.DataFrame([row], schema=PERSON_SCHEMA, orient="row")


def household_monthly_income(
    session: Session, household_code: str, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """One household's :func:`monthly_income` for every month from ``start`` to ``end``."""
    start = start.replace(day=1)
    classified = classified_transactions(session, household_code, start, end)
    payments = payments_frame(session, household_code, start, end)
    persons = persons_frame(session, household_code, end)
    lines = income_lines(classified, payments, persons)
    return monthly_income(lines, [household_code], start, end)
