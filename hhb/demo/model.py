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
from ingest.benefits import BenefitPayment
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
    "mt940": {Kind.IN: "NTRF", Kind.OUT: "NTRF", Kind.DEBIT: "NDDT", Kind.CARD: "NMSC",
              Kind.ATM: "NMSC"},
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
        table = _CODES.get(self.dialect if self.fmt is Fmt.CSV else str(self.fmt))
        return table[kind] if table else None


@dataclass(frozen=True, slots=True)
class ToeslagDecision:
    """A voorschot decision: the yearly advance and the income estimate it rests on.

    ``actual_income_cents`` is what the generator knows and the Belastingdienst does not yet:
    the income of the year, which decides whether a clawback follows.
    """

    regeling: str
    year: int
    decided_on: dt.date
    partner: bool
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
        debit = kind is Kind.DEBIT
        e2e = None
        if kind is not Kind.CARD and kind is not Kind.ATM:
            e2e = f"{day.isoformat()[2:].replace('-', '')}{self.counter:06d}"  # not strftime: hot
        iban, name = (who.iban or None, who.name) if who is not None else (None, None)
        creditor = who.creditor_id if debit and who is not None else None
        tx = RawTransaction(account.iban, day, cents, "EUR", day, iban, name, text, e2e,
                            mandate if debit else None, creditor, None,
                            account.code(kind))  # fmt: skip
        self.rows.setdefault(account.iban, []).append(tx)

    def sorted_rows(self) -> dict[str, tuple[RawTransaction, ...]]:
        """Per account in booking order (stable: same-day bookings keep their creation order)."""
        return {
            iban: tuple(sorted(self.rows.get(iban, ()), key=lambda t: t.booking_date))
            for iban in self.accounts
        }
