"""Benefit payment data next to bank statements: stored once, linked once, in either order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from ingest.benefits import BenefitPayment, Toeslag, ToeslagDecision, write_benefit_json
from ingest.errors import IngestError
from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from store.db import session_scope
from store.households import create_household, get_household
from store.importing import import_bytes, store_result
from store.models import BenefitPaymentRow, ToeslagDecisionRow

ACCOUNT = "NL20INGB0001234567"


def ww(month: int, net: int = 130_000) -> BenefitPayment:
    start = dt.date(2024, month, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return BenefitPayment(
        payer="uwv",
        regeling="ww",
        period_start=start,
        period_end=end,
        payment_date=end - dt.timedelta(days=2),
        gross_cents=net + 30_000,
        wage_tax_cents=30_000,
        net_cents=net,
    )


DECISION = ToeslagDecision(
    regeling=Toeslag.ZORGTOESLAG,
    year=2024,
    advance_year_cents=1_476_00,
    advance_month_cents=123_00,
    income_estimate_cents=21_000_00,
    decision_date=dt.date(2023, 12, 10),
    with_partner=False,
)


def bank(*payments: BenefitPayment, extra_days: int = 1) -> ExtractResult:
    txs = tuple(
        RawTransaction(
            account=ACCOUNT,
            booking_date=p.payment_date + dt.timedelta(days=extra_days),
            amount_cents=p.net_cents,
            counterparty_name="UWV",
            description=f"WW uitkering {p.period_start:%m-%Y}",
        )
        for p in payments
    )
    return ExtractResult(
        SourceFormat.CAMT053, "ING", "test", (Statement(account=ACCOUNT, transactions=txs),)
    )


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        create_household(session, "H1", "coach1")
    return engine


def linked(engine: Engine) -> list[int | None]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(BenefitPaymentRow.transaction_id).order_by(BenefitPaymentRow.payment_date)
            )
        )


def import_benefits(engine: Engine, data: bytes) -> object:
    with session_scope(engine) as session:
        return import_bytes(session, "H1", data, "uitkeringen.json", "coach1")


def import_bank(engine: Engine, result: ExtractResult, data: bytes) -> None:
    with session_scope(engine) as session:
        summary = store_result(
            session, get_household(session, "H1"), result, data, "afschrift", "t", "coach1"
        )
        assert summary.n_added == sum(len(s.transactions) for s in result.statements)


def test_benefit_file_is_recognised_and_stored_once(db: Engine) -> None:
    data = write_benefit_json([ww(1), ww(2)], [DECISION])
    first = import_benefits(db, data)
    again = import_benefits(db, data)
    assert first.format == "benefit" and first.n_added == 3  # type: ignore[attr-defined]
    assert again.n_added == 0 and again.n_duplicates == 3  # type: ignore[attr-defined]
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(BenefitPaymentRow)) == 2
        assert session.scalar(select(func.count()).select_from(ToeslagDecisionRow)) == 1


def test_equal_monthly_payments_link_to_their_own_month_in_either_order(db: Engine) -> None:
    payments = [ww(1), ww(2), ww(3)]
    import_bank(db, bank(*payments[:2]), b"jan-feb")  # bank first for two months
    import_benefits(db, write_benefit_json(payments))  # then the specification
    assert linked(db)[:2] != [None, None] and linked(db)[2] is None
    import_bank(db, bank(payments[2]), b"mar")  # the third month's bank statement arrives
    ids = linked(db)
    assert None not in ids and len(set(ids)) == 3


def test_a_payment_too_far_from_any_booking_stays_unlinked(db: Engine) -> None:
    import_bank(db, bank(ww(1), extra_days=12), b"late")
    import_benefits(db, write_benefit_json([ww(1)]))
    assert linked(db) == [None]


def test_benefit_file_of_another_household_is_refused(db: Engine) -> None:
    data = write_benefit_json([ww(1)], household_id="H2")
    with pytest.raises(IngestError, match="hoort bij huishouden 'H2'"):
        import_benefits(db, data)
    assert linked(db) == []
