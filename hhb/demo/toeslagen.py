"""Toeslagen voorschotten: decisions on an income estimate, paid around the 20th.

The patterns coaches worry about live here. A household *missing* a toeslag is entitled on its
income but has no decision and no payments. A household *heading for a clawback* had its income
rise while the voorschot stayed on the old estimate: its decision shows an income estimate below
the income the streams actually produce. A household that reports the change gets a new decision
two months later with the voorschot for the new income (what was paid too much before is left
to the final settlement, as the Belastingdienst does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hhb.demo import figures
from hhb.demo.catalog import MONTHS_SHORT, TOESLAGEN
from hhb.demo.dates import add_months, day_in, month_end, working_day_before
from hhb.demo.income import Stream, gross_level, yearly_gross
from hhb.demo.model import Book, DemoAccount, Kind, ToeslagDecision
from ingest.benefits import BenefitPayment

ZORG, HUUR, KGB = "zorgtoeslag", "huurtoeslag", "kindgebonden_budget"
_TEXT = {ZORG: "ZORGTOESLAG", HUUR: "HUURTOESLAG", KGB: "KINDGEBONDEN BUDGET"}


@dataclass(frozen=True, slots=True)
class Situation:
    """What the toeslag amounts depend on besides income."""

    partner: bool
    rent_cents: int
    child_births: tuple[dt.date, ...]

    def ages(self, day: dt.date) -> tuple[int, ...]:
        return tuple(
            day.year - b.year - ((day.month, day.day) < (b.month, b.day))
            for b in self.child_births
            if b <= day and day.year - b.year < 18
        )


def yearly_amount(regeling: str, year: int, income: int, sit: Situation) -> int:
    """Entitlement in whole euros per year for a yearly income in euros (demo shapes)."""
    if regeling == ZORG:
        return figures.zorgtoeslag_year(year, income, partner=sit.partner)
    if regeling == HUUR:
        return figures.huurtoeslag_month(sit.rent_cents, income, partner=sit.partner) * 12 // 100
    return figures.kindgebonden_budget_year(
        year, sit.ages(dt.date(year, 1, 1)), income, partner=sit.partner
    )


def entitled(year: int, income: int, sit: Situation) -> tuple[str, ...]:
    return tuple(r for r in (ZORG, HUUR, KGB) if yearly_amount(r, year, income, sit) > 0)


class ToeslagWriter:
    """Decides and pays the voorschotten of ``received`` over the window."""

    def __init__(self, book: Book, account: DemoAccount, first: dt.date, months: int,
                 streams: list[Stream], sit: Situation, received: tuple[str, ...],
                 adjust_at: int | None, ref: str) -> None:  # fmt: skip
        self.book, self.account, self.first, self.ref = book, account, first, ref
        self.decisions: list[ToeslagDecision] = []
        self.payments: list[BenefitPayment] = []
        self.partner = sit.partner
        self.monthly: dict[tuple[str, int], int] = {}  # (regeling, month index) -> cents
        for year in range(first.year, add_months(first, months).year + 1):
            base = (year - first.year) * 12 - (first.month - 1)
            start = max(base, 0)
            level = gross_level(streams, first, start)
            actual = yearly_gross(streams, first, year)
            for regeling in received:
                self._decide(regeling, year, base, level, actual, sit, dt.date(year - 1, 12, 1))
                if adjust_at is not None and base <= adjust_at + 2 < base + 12:
                    self._decide(regeling, year, adjust_at + 2, actual, actual, sit,
                                 day_in(add_months(first, adjust_at + 1), 10))  # fmt: skip

    def _decide(self, regeling: str, year: int, start: int, estimate: int, actual: int,
                sit: Situation, on: dt.date) -> None:  # fmt: skip
        """Voorschot in whole euros a month from month ``start`` to the end of ``year``."""
        monthly = yearly_amount(regeling, year, estimate, sit) // 12 * 100
        yearly = monthly * 12
        end = (year - self.first.year) * 12 - (self.first.month - 1) + 12
        for m in range(start, end):
            self.monthly[(regeling, m)] = monthly
        self.decisions.append(ToeslagDecision(regeling, year, on, self.partner, monthly, yearly,
                                              estimate * 100, actual * 100))  # fmt: skip

    def month(self, i: int) -> None:
        """Around the 20th the voorschot for next month arrives."""
        if not self.decisions:
            return
        nxt = add_months(self.first, i + 1)
        pay = working_day_before(day_in(add_months(self.first, i), 20))
        for regeling in (ZORG, HUUR, KGB):
            cents = self.monthly.get((regeling, i + 1), 0)
            if cents:
                month = MONTHS_SHORT[nxt.month - 1]
                text = f"{_TEXT[regeling]} {nxt.year} {self.ref} VOORSCHOT {month}"
                self.book.add(self.account, pay, cents, TOESLAGEN, text, Kind.IN)
                self.payments.append(
                    BenefitPayment(
                        TOESLAGEN.registry_id,
                        regeling,
                        nxt,
                        month_end(nxt),
                        pay,
                        cents,
                        0,
                        cents,
                        text,
                    )
                )

    def expected(self, i: int) -> int:
        if not self.decisions:
            return 0
        return sum(self.monthly.get((r, i + 1), 0) for r in (ZORG, HUUR, KGB))
