"""Toeslagen voorschotten: decisions on an income estimate, paid around the 20th.

The patterns coaches worry about live here. A household *missing* a toeslag is entitled on its
income but has no decision and no payments. A household *heading for a clawback* had its income
rise while the voorschot stayed on the old estimate: its decision shows an income estimate below
the income the streams actually produce. A household that reports the change gets a new decision
two months later, spreading the new yearly amount minus what was paid over the remaining months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hhb.demo import figures
from hhb.demo.catalog import MONTHS_SHORT, TOESLAGEN
from hhb.demo.dates import add_months, day_in, working_day_before
from hhb.demo.income import Stream, gross_level, yearly_gross
from hhb.demo.model import Book, DemoAccount, Kind, ToeslagDecision

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
        self.monthly: dict[tuple[str, int], int] = {}  # (regeling, month index) -> cents
        for year in range(first.year, add_months(first, months).year + 1):
            base = (year - first.year) * 12 - (first.month - 1)
            start = max(base, 0)
            level = gross_level(streams, first, start)
            actual = yearly_gross(streams, first, year)
            for regeling in received:
                self._decide(regeling, year, base, level, actual, sit, dt.date(year - 1, 12, 1))
                if adjust_at is not None and base <= adjust_at + 2 < base + 12:
                    paid = sum(self.monthly.get((regeling, m), 0) for m in
                               range(base, adjust_at + 2))  # fmt: skip
                    self._decide(regeling, year, adjust_at + 2, actual, actual, sit,
                                 day_in(add_months(first, adjust_at + 1), 10), paid)  # fmt: skip

    def _decide(self, regeling: str, year: int, start: int, estimate: int, actual: int,
                sit: Situation, on: dt.date, paid: int = 0) -> None:  # fmt: skip
        yearly = yearly_amount(regeling, year, estimate, sit) * 100
        end = (year - self.first.year) * 12 - (self.first.month - 1) + 12
        monthly = max(0, (yearly - paid) // (end - start) // 100 * 100)
        for m in range(start, end):
            self.monthly[(regeling, m)] = monthly
        self.decisions.append(ToeslagDecision(regeling, year, on, monthly, yearly,
                                              estimate * 100, actual * 100))  # fmt: skip

    def month(self, i: int) -> None:
        """Around the 20th the voorschot for next month arrives."""
        nxt = add_months(self.first, i + 1)
        pay = working_day_before(day_in(add_months(self.first, i), 20))
        for (regeling, m), cents in self.monthly.items():
            if m == i + 1 and cents:
                month = MONTHS_SHORT[nxt.month - 1]
                text = f"{_TEXT[regeling]} {nxt.year} {self.ref} VOORSCHOT {month}"
                self.book.add(self.account, pay, cents, TOESLAGEN, text, Kind.IN)

    def expected(self, i: int) -> int:
        return sum(c for (_, m), c in self.monthly.items() if m == i + 1)
