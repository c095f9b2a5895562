"""The demo world's records: a household, its accounts, the patterns it shows, its money.

Bank transactions are :class:`ingest.model.RawTransaction` records, exactly what an importer
should get back from the files written for them; that makes "write, import, compare" a direct
equality test. Transaction codes depend on the export format (ING CSV says ``IC``, CAMT says
``PMNT-IDDT-ESDD``), so :class:`Book` sets them from a format-neutral :class:`Kind`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from hhb.demo.catalog import Bank, Fmt, Party
from ingest.model import RawTransaction
from ingest.profile import HouseholdProfile


class Pattern(StrEnum):
    """What a coach would notice about a household; the tests check each one occurs."""

    SEED = "deelnemer uit de presentatie"
    BIJSTAND = "bijstand"
    WW = "WW-uitkering"
    WIA = "WIA-uitkering"
    SALARY_4W = "4-wekelijks salaris"
    SALARY_MONTHLY = "maandsalaris"
    PARTTIME_TOPUP = "parttime werk aangevuld met bijstand"
    FLEX = "onregelmatig flexinkomen"
    INCOME_DROP = "inkomen daalt halverwege"
    INCOME_RISE = "inkomen stijgt halverwege"
    TOESLAGEN = "toeslagen (voorschot)"
    MISSING_TOESLAG = "mist toeslagen waar recht op is"
    CLAWBACK_RISK = "op weg naar terugvordering"
    KINDERBIJSLAG = "kinderbijslag per kwartaal"
    ENERGY_REFUND = "jaarafrekening energie: teruggave doorgestort"
    ENERGY_EXTRA = "jaarafrekening energie: bijbetalen"
    DEBT = "betalingsregeling schuld"
    MUNICIPAL_TAX = "gemeentelijke belastingen in termijnen"
    LEEFGELD_WEEKLY = "wekelijks leefgeld"
    SECOND_ACCOUNT = "eigen rekening van de deelnemer"


class Kind(StrEnum):
    IN = "in"
    OUT = "out"
    DEBIT = "direct_debit"
    CARD = "card"
    ATM = "atm"


_CODES: dict[str, dict[Kind, str]] = {
    "camt053": {Kind.IN: "PMNT-RCDT-ESCT", Kind.OUT: "PMNT-ICDT-ESCT",
                Kind.DEBIT: "PMNT-IDDT-ESDD", Kind.CARD: "PMNT-CCRD-POSD",
                Kind.ATM: "PMNT-CCRD-CWDL"},
    "ing-nl": {Kind.IN: "OV", Kind.OUT: "GT", Kind.DEBIT: "IC", Kind.CARD: "BA", Kind.ATM: "GM"},
    "rabobank": {Kind.IN: "cb", Kind.OUT: "bg", Kind.DEBIT: "ei", Kind.CARD: "bc",
                 Kind.ATM: "ga"},
    "abnamro-tab": {Kind.IN: "SEPA OVERBOEKING", Kind.OUT: "SEPA OVERBOEKING",
                    Kind.DEBIT: "SEPA INCASSO ALGEMEEN DOORLOPEND", Kind.CARD: "BEA",
                    Kind.ATM: "GEA"},
    "volksbank": {Kind.IN: "OVB", Kind.OUT: "OVB", Kind.DEBIT: "INC", Kind.CARD: "BEA",
                  Kind.ATM: "GEA"},
    "knab": {Kind.IN: "Overboeking", Kind.OUT: "Overboeking", Kind.DEBIT: "Incasso",
             Kind.CARD: "Betaalautomaat", Kind.ATM: "Geldautomaat"},
    "triodos": {Kind.IN: "OV", Kind.OUT: "OV", Kind.DEBIT: "IC", Kind.CARD: "BA",
                Kind.ATM: "GA"},
}  # fmt: skip
_CODES.update(sns=_CODES["volksbank"], asn=_CODES["volksbank"], regiobank=_CODES["volksbank"])


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """``role`` is ``beheer`` (income in, fixed costs out) or ``eigen`` (leefgeld, shopping)."""

    iban: str
    bank: Bank
    role: str
    fmt: Fmt
    dialect: str
    quarterly: bool
    opening_cents: int
    holder: str

    def code(self, kind: Kind) -> str | None:
        table = _CODES.get("camt053" if self.fmt is Fmt.CAMT else self.dialect)
        return table[kind] if table else None


@dataclass(frozen=True, slots=True)
class BenefitPayment:
    """One payment of a benefit as the payer's specification states it (cents)."""

    payer: str
    regeling: str
    period_start: dt.date
    period_end: dt.date
    pay_date: dt.date
    gross_cents: int
    tax_cents: int
    net_cents: int
    account: str


@dataclass(frozen=True, slots=True)
class ToeslagDecision:
    """A voorschot decision: the yearly advance and the income estimate it rests on."""

    regeling: str
    year: int
    decided_on: dt.date
    monthly_cents: int
    yearly_cents: int
    income_estimate_cents: int
    actual_income_cents: int


@dataclass(frozen=True, slots=True)
class Household:
    code: str
    index: int
    profile: HouseholdProfile
    accounts: tuple[DemoAccount, ...]
    transactions: dict[str, tuple[RawTransaction, ...]]
    payments: tuple[BenefitPayment, ...]
    decisions: tuple[ToeslagDecision, ...]
    patterns: frozenset[Pattern]
    first_month: dt.date
    months: int


@dataclass
class Book:
    """Collects a household's transactions per account while the months are generated."""

    accounts: dict[str, DemoAccount]
    rows: dict[str, list[RawTransaction]] = field(default_factory=dict)
    counter: int = 0

    def add(self, account: DemoAccount, day: dt.date, cents: int, who: Party | None,
            text: str, kind: Kind, *, mandate: str | None = None) -> None:  # fmt: skip
        """Book ``cents`` (signed) on ``day``; references are unique within the household."""
        self.counter += 1
        creditor = who.creditor_id if who is not None and kind is Kind.DEBIT else None
        e2e = None
        if kind in (Kind.IN, Kind.OUT, Kind.DEBIT):
            e2e = f"{day:%y%m%d}{self.counter:06d}"
        self.rows.setdefault(account.iban, []).append(
            RawTransaction(
                account=account.iban,
                booking_date=day,
                amount_cents=cents,
                value_date=day,
                counterparty_iban=(who.iban or None) if who is not None else None,
                counterparty_name=who.name if who is not None else None,
                description=text,
                end_to_end_id=e2e,
                mandate_id=mandate if kind is Kind.DEBIT else None,
                creditor_id=creditor,
                bank_transaction_code=account.code(kind),
            )
        )

    def sorted_rows(self) -> dict[str, tuple[RawTransaction, ...]]:
        """Per account in booking order (stable: same-day bookings keep their creation order)."""
        return {
            iban: tuple(sorted(self.rows.get(iban, ()), key=lambda t: t.booking_date))
            for iban in self.accounts
        }
