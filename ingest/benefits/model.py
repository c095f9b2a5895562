"""Benefit payment specifications and toeslag decisions, as typed over from the resident's PDFs.

Bank statements show only the net amount; the gross amount, the withheld wage tax and the period a
payment covers come from these records, and the income estimate behind a toeslag voorschot from
the decision. ``line`` points back into the source file and takes no part in equality.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from ingest.model import Problem

FORMAT_MARKER = "hhb-uitkeringsgegevens"
FORMAT_VERSION = 1

CSV_COLUMNS = (
    "soort",
    "betaler",
    "regeling",
    "periode_van",
    "periode_tot",
    "betaaldatum",
    "bruto",
    "loonheffing",
    "netto",
    "omschrijving",
    "jaar",
    "voorschot_jaar",
    "voorschot_maand",
    "geschat_inkomen",
    "beschikkingsdatum",
    "met_partner",
)
CSV_HEADER = ";".join(CSV_COLUMNS)


class Toeslag(StrEnum):
    ZORGTOESLAG = "zorgtoeslag"
    HUURTOESLAG = "huurtoeslag"
    KINDGEBONDEN_BUDGET = "kindgebonden_budget"
    KINDEROPVANGTOESLAG = "kinderopvangtoeslag"


class RecordKind(StrEnum):
    """The ``soort`` column of the CSV form."""

    BETALING = "betaling"
    BESCHIKKING = "beschikking"


@dataclass(frozen=True, slots=True)
class BenefitPayment:
    """One payment: ``net_cents == gross_cents - wage_tax_cents`` always holds after parsing."""

    payer: str
    regeling: str
    period_start: dt.date
    period_end: dt.date
    payment_date: dt.date
    gross_cents: int
    wage_tax_cents: int
    net_cents: int
    reference: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ToeslagDecision:
    """A voorschot decision: what is paid per month and the estimated income it rests on."""

    regeling: Toeslag
    year: int
    advance_year_cents: int
    advance_month_cents: int
    income_estimate_cents: int
    decision_date: dt.date
    with_partner: bool
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class BenefitFile:
    payments: tuple[BenefitPayment, ...] = ()
    decisions: tuple[ToeslagDecision, ...] = ()
    problems: tuple[Problem, ...] = ()
    household_id: str | None = None
