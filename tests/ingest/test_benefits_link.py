"""Linking payments to bank transactions: one to one, so income is never counted twice."""

from __future__ import annotations

import datetime as dt

from ingest.benefits import BenefitPayment, link_payments
from ingest.model import RawTransaction

ACCOUNT = "NL91ABNA0417164300"


def payment(
    day: dt.date,
    net: int = 128562,
    *,
    payer: str = "gemeente_utrecht_werk_en_inkomen",
    regeling: str = "bijstand",
    reference: str | None = None,
) -> BenefitPayment:
    return BenefitPayment(
        payer=payer,
        regeling=regeling,
        period_start=day.replace(day=1),
        period_end=day,
        payment_date=day,
        gross_cents=net + 11701,
        wage_tax_cents=11701,
        net_cents=net,
        reference=reference,
    )


def tx(
    day: dt.date,
    amount: int = 128562,
    name: str = "GEMEENTE UTRECHT",
    description: str = "PWJ/TAO 01-09-23/30-09-23",
) -> RawTransaction:
    return RawTransaction(
        account=ACCOUNT,
        booking_date=day,
        amount_cents=amount,
        counterparty_name=name,
        description=description,
    )


SEP, OCT = dt.date(2023, 9, 28), dt.date(2023, 10, 27)


def test_two_equal_monthly_payments_link_to_their_own_month() -> None:
    payments = [payment(OCT), payment(SEP)]
    txs = [tx(SEP + dt.timedelta(days=1)), tx(OCT + dt.timedelta(days=3))]
    links = link_payments(payments, txs)
    assert [(link.payment_index, link.transaction_index) for link in links] == [(0, 1), (1, 0)]
    assert [link.days_after for link in links] == [3, 1]


def test_one_transaction_never_pays_two_payments() -> None:
    payments = [payment(SEP), payment(SEP)]  # typed in twice
    links = link_payments(payments, [tx(SEP)])
    assert len(links) == 1


def test_payment_without_transaction_stays_unlinked() -> None:
    links = link_payments([payment(SEP), payment(OCT)], [tx(SEP)])
    assert [link.payment_index for link in links] == [0]


def test_transaction_without_specification_stays_unlinked() -> None:
    txs = [tx(SEP), tx(OCT)]
    links = link_payments([payment(OCT)], txs)
    assert [link.transaction_index for link in links] == [1]


def test_window_amount_and_payer_must_all_fit() -> None:
    p = payment(SEP)
    assert not link_payments([p], [tx(SEP - dt.timedelta(days=1))])  # before the payment date
    assert not link_payments([p], [tx(SEP + dt.timedelta(days=6))])  # too late
    assert not link_payments([p], [tx(SEP, amount=128563)])  # other amount
    assert not link_payments([p], [tx(SEP, amount=-128562)])  # money out
    assert not link_payments([p], [tx(SEP, name="UWV", description="WW")])  # other payer
    assert not link_payments([p], [tx(SEP, name="J. Jansen", description="bijstand")])
    assert link_payments([p], [tx(SEP + dt.timedelta(days=5))])


def test_same_amount_same_day_toeslagen_kept_apart_by_regeling() -> None:
    day = dt.date(2024, 9, 20)
    zorg = payment(day, 12300, payer="belastingdienst_toeslagen", regeling="zorgtoeslag")
    huur = payment(day, 12300, payer="belastingdienst_toeslagen", regeling="huurtoeslag")
    txs = [
        tx(day, 12300, "BELASTINGDIENST", "1234 HUURTOESLAG 2024 VOORSCHOT"),
        tx(day, 12300, "BELASTINGDIENST", "1234 ZORGTOESLAG 2024 VOORSCHOT"),
    ]
    links = link_payments([zorg, huur], txs)
    assert [(link.payment_index, link.transaction_index) for link in links] == [(0, 1), (1, 0)]
    assert links[0].evidence.regeling == "zorgtoeslag"


def test_reference_text_wins_over_date() -> None:
    p1 = payment(SEP, reference="PWJ/TAO 01-08-23/31-08-23")  # arrears paid together
    p2 = payment(SEP, reference="PWJ/TAO 01-09-23/30-09-23")
    txs = [
        tx(SEP, description="PWJ/TAO 01-09-23/30-09-23"),
        tx(SEP + dt.timedelta(days=1), description="PWJ/TAO 01-08-23/31-08-23"),
    ]
    links = link_payments([p1, p2], txs)
    assert [(link.payment_index, link.transaction_index) for link in links] == [(0, 1), (1, 0)]
    assert all(link.reference_matched for link in links)


def test_links_are_evidence_for_an_explanation() -> None:
    (link,) = link_payments([payment(SEP)], [tx(SEP)])
    assert link.evidence.payer_id == "gemeente_utrecht_werk_en_inkomen"
    assert link.evidence.regeling == "bijstand"
    assert link.transaction.amount_cents == link.payment.net_cents
