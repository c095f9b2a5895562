"""Small inline worlds for the income, received and buffer tests (frames and a stored household).

The stored household H1 (2024): WW from UWV on the bank statement in January-March, with a
payment specification for January and February only (linked to their bank rows), zorgtoeslag
voorschotten, one kinderbijslag payment, and a toeslag decision revised in May.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Engine

from budget.classify import CLASSIFIED_SCHEMA
from ingest.benefits import BenefitPayment, Toeslag, ToeslagDecision, write_benefit_json
from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from store.db import session_scope
from store.households import create_household, get_household
from store.importing import import_bytes, store_result

ACCOUNT = "NL20INGB0001234567"
WW_NET = 150_000
WW_GROSS = 180_000


def tx(
    household: str,
    day: dt.date,
    amount: int,
    rubriek: str,
    payer: str,
    regeling: str | None = None,
    key: str | None = None,
) -> dict[str, object]:
    """One classified bank row (:data:`budget.classify.CLASSIFIED_SCHEMA`)."""
    row: dict[str, object] = dict.fromkeys(CLASSIFIED_SCHEMA)
    row.update(
        household=household, account=ACCOUNT, booking_date=day, amount_cents=amount,
        currency="EUR", is_reversal=False, rubriek=rubriek, ketenpartner=payer,
        counterparty_name=payer, regeling=regeling,
        tx_key=key or f"{household}|{day}|{amount}|{payer}",
    )  # fmt: skip
    return row


def classified(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CLASSIFIED_SCHEMA, orient="row")


def ww_payment(month: int) -> BenefitPayment:
    start = dt.date(2024, month, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return BenefitPayment(
        payer="uwv", regeling="ww", period_start=start, period_end=end,
        payment_date=dt.date(2024, month, 24), gross_cents=WW_GROSS,
        wage_tax_cents=WW_GROSS - WW_NET, net_cents=WW_NET,
    )  # fmt: skip


DECISIONS = (
    ToeslagDecision(Toeslag.ZORGTOESLAG, 2024, 147_600, 12_300, 2_100_000,
                    dt.date(2023, 12, 10), False),
    ToeslagDecision(Toeslag.ZORGTOESLAG, 2024, 120_000, 7_700, 2_600_000,
                    dt.date(2024, 5, 10), False),
)  # fmt: skip


def bank_statement() -> ExtractResult:
    txs = [
        RawTransaction(ACCOUNT, dt.date(2024, m, 25), WW_NET, counterparty_name="UWV",
                       description=f"WW UITKERING {m:02d}-2024")
        for m in (1, 2, 3)
    ] + [
        RawTransaction(ACCOUNT, dt.date(2024, m, 20), 12_300,
                       counterparty_name="Belastingdienst/Toeslagen",
                       description=f"ZORGTOESLAG 2024 voorschot {m:02d}")
        for m in (1, 2, 3)
    ] + [
        RawTransaction(ACCOUNT, dt.date(2024, 1, 3), 27_949, counterparty_name="SVB",
                       description="KINDERBIJSLAG 4E KWARTAAL 2023"),
        RawTransaction(ACCOUNT, dt.date(2024, 2, 1), -90_000, counterparty_name="Woonstad",
                       description="huur februari"),
        RawTransaction(ACCOUNT, dt.date(2024, 3, 1), -250_000, counterparty_name="Woonstad",
                       description="huur maart en achterstand"),
    ]  # fmt: skip
    moved = sum(t.amount_cents for t in txs)
    statement = Statement(
        account=ACCOUNT, transactions=tuple(txs), opening_balance_cents=50_000,
        opening_date=dt.date(2023, 12, 31), closing_balance_cents=50_000 + moved,
        closing_date=dt.date(2024, 3, 31),
    )  # fmt: skip
    return ExtractResult(SourceFormat.CAMT053, "ING", "test", (statement,))


def store_world(engine: Engine, code: str = "H1") -> None:
    with session_scope(engine) as session:
        create_household(session, code, "coach1")
    with session_scope(engine) as session:
        store_result(session, get_household(session, code), bank_statement(), b"bank", "a.xml",
                     "test", "coach1")  # fmt: skip
    data = write_benefit_json([ww_payment(1), ww_payment(2)], DECISIONS)
    with session_scope(engine) as session:
        import_bytes(session, code, data, "uitkeringen.json", "coach1")
