"""Linking benefit payments to the bank transactions that paid them, one to one.

Once linked, a payment's gross amount and period explain the transaction, and the transaction is
not counted a second time as income of its own. The rule (docs/formats/benefits.md):

1. Candidates: a transaction with exactly the payment's net amount (money in), booked on the
   payment date or up to ``max_days_after`` days later (weekends, bank processing), whose
   counterparty the payer registry recognises as the payment's payer. When both the transaction
   text and the payment name a regeling, they must agree (zorgtoeslag and huurtoeslag of the same
   amount on the same day stay apart).
2. Candidates are ranked: reference text found in the description first, then the smallest
   number of days, then file order. They are taken greedily; a payment and a transaction are each
   used at most once. Two equal monthly payments therefore each get the transaction of their own
   month, and a payment without a transaction (or the reverse) simply stays unlinked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ingest.benefits.model import BenefitPayment
from ingest.payers import PayerMatch, PayerRegistry, default_registry

DEFAULT_MAX_DAYS_AFTER = 5


class TransactionLike(Protocol):
    """What linking needs of a bank transaction (``RawTransaction`` and canonical rows fit)."""

    @property
    def booking_date(self) -> dt.date: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def counterparty_name(self) -> str | None: ...
    @property
    def description(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Link:
    """Payment ``payment_index`` was paid by transaction ``transaction_index``; and the evidence."""

    payment_index: int
    transaction_index: int
    payment: BenefitPayment
    transaction: TransactionLike
    days_after: int
    evidence: PayerMatch
    reference_matched: bool


def _normal(text: str) -> str:
    return " ".join(text.upper().split())


def link_payments(
    payments: Sequence[BenefitPayment],
    transactions: Sequence[TransactionLike],
    *,
    registry: PayerRegistry | None = None,
    max_days_after: int = DEFAULT_MAX_DAYS_AFTER,
) -> list[Link]:
    """Link each payment to at most one transaction and vice versa; see the module docstring."""
    registry = registry or default_registry()
    by_amount: dict[int, list[int]] = {}
    for ti, tx in enumerate(transactions):
        if tx.amount_cents > 0:
            by_amount.setdefault(tx.amount_cents, []).append(ti)
    matches: dict[int, PayerMatch | None] = {}
    candidates: list[tuple[int, int, int, int, PayerMatch]] = []
    for pi, payment in enumerate(payments):
        reference = _normal(payment.reference) if payment.reference else ""
        for ti in by_amount.get(payment.net_cents, ()):
            tx = transactions[ti]
            days = (tx.booking_date - payment.payment_date).days
            if not 0 <= days <= max_days_after:
                continue
            if ti not in matches:
                iban = getattr(tx, "counterparty_iban", None)
                matches[ti] = registry.match(iban, tx.counterparty_name, tx.description)
            found = matches[ti]
            if found is None or found.payer_id != payment.payer:
                continue
            if found.regeling is not None and found.regeling != payment.regeling:
                continue
            ref_rank = 0 if reference and reference in _normal(tx.description) else 1
            candidates.append((ref_rank, days, pi, ti, found))
    candidates.sort(key=lambda c: c[:4])
    used_payments: set[int] = set()
    used_transactions: set[int] = set()
    links: list[Link] = []
    for ref_rank, days, pi, ti, found in candidates:
        if pi in used_payments or ti in used_transactions:
            continue
        used_payments.add(pi)
        used_transactions.add(ti)
        links.append(
            Link(
                pi, ti, payments[pi], transactions[ti], days, found, reference_matched=ref_rank == 0
            )
        )
    links.sort(key=lambda link: link.payment_index)
    return links
