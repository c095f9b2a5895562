"""Income streams: bijstand, UWV benefits, salaries (monthly and 4-weekly), flex work.

A household's income is a list of :class:`Stream` records, each active for a range of month
indices (0 = the first month of the window; ranges may start before it or run past it, which is
how "income drops halfway" is expressed). The same streams give the bank transactions, the
benefit specifications and the gross income the toeslagen are estimated from, so the three can
never disagree.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from hhb.demo import figures
from hhb.demo.catalog import MONTHS_NL, SVB, UWV, Party
from hhb.demo.dates import add_months, day_in, month_end, working_day_before
from hhb.demo.model import Book, DemoAccount, Kind, Pattern
from ingest.benefits import BenefitPayment

# Demo ratios from net to gross (loonheffing share): plausible for low incomes, not official.
_GROSS_FACTOR = {Pattern.BIJSTAND: 1.12, Pattern.WW: 1.25, Pattern.WIA: 1.22,
                 Pattern.SALARY_MONTHLY: 1.3, Pattern.SALARY_4W: 1.3, Pattern.FLEX: 1.15,
                 Pattern.PARTTIME_TOPUP: 1.12}  # fmt: skip
SALARIES = (Pattern.SALARY_MONTHLY, Pattern.SALARY_4W)


@dataclass(frozen=True, slots=True)
class Stream:
    """One source of income. ``net_cents``: per month (4-weekly: per period, flex: per week)."""

    kind: Pattern
    payer: Party
    net_cents: int
    start: int = -1200
    end: int = 1200
    couple: bool = False
    ref: str = ""
    first_pay: dt.date | None = None  # 4-weekly: one payday of the series

    def active(self, i: int) -> bool:
        return self.start <= i < self.end


def gross_of(kind: Pattern, net: int) -> int:
    return round(net * _GROSS_FACTOR.get(kind, 1.0))


def monthly_net(stream: Stream, first: dt.date, i: int, topped: int = 0) -> int:
    """Expected net income of ``stream`` in month ``i`` (for budgets and toeslag estimates)."""
    if not stream.active(i):
        return 0
    if stream.kind is Pattern.SALARY_4W:
        return stream.net_cents * 13 // 12
    if stream.kind is Pattern.FLEX:
        return stream.net_cents * 52 // 12
    if stream.kind in (Pattern.BIJSTAND, Pattern.PARTTIME_TOPUP):
        norm = figures.bijstand_norm(add_months(first, i), couple=stream.couple)
        return max(0, norm - topped) if stream.kind is Pattern.PARTTIME_TOPUP else norm
    return stream.net_cents


def net_level(streams: list[Stream], first: dt.date, i: int) -> int:
    """Expected net income of month ``i`` over all streams (a top-up net of the wages)."""
    salary = sum(monthly_net(s, first, i) for s in streams if s.kind in SALARIES)
    return sum(monthly_net(s, first, i, salary) for s in streams)


def gross_level(streams: list[Stream], first: dt.date, i: int) -> int:
    """Yearly gross in euros if month ``i``'s income went on all year: the estimate people give."""
    salary = sum(monthly_net(s, first, i) for s in streams if s.kind in SALARIES)
    return sum(gross_of(s.kind, monthly_net(s, first, i, salary)) for s in streams) * 12 // 100


def yearly_gross(streams: list[Stream], first: dt.date, year: int) -> int:
    """Toetsingsinkomen in euros for calendar ``year`` from the streams (a demo estimate)."""
    total = 0
    base = (year - first.year) * 12 - (first.month - 1)
    for i in range(base, base + 12):
        salary = sum(monthly_net(s, first, i) for s in streams if s.kind in SALARIES)
        for s in streams:
            total += gross_of(s.kind, monthly_net(s, first, i, salary))
    return total // 100


def four_weekly_paydays(first_pay: dt.date, month: dt.date) -> list[dt.date]:
    start = first_pay + dt.timedelta(days=((month - first_pay).days // 28) * 28)
    days = [start + dt.timedelta(days=28 * k) for k in range(3)]
    return [d for d in days if d.year == month.year and d.month == month.month]


def _period_number(first_pay: dt.date, pay: dt.date) -> int:
    jan1 = dt.date(pay.year, 1, 1)
    first_in_year = first_pay + dt.timedelta(days=-(-(jan1 - first_pay).days // 28) * 28)
    return (pay - first_in_year).days // 28 + 1


class IncomeWriter:
    """Books one month of income for a household and keeps its benefit specifications."""

    def __init__(self, book: Book, account: DemoAccount, rng: random.Random,
                 first: dt.date) -> None:  # fmt: skip
        self.book, self.account, self.rng, self.first = book, account, rng, first
        self.payments: list[BenefitPayment] = []
        self.salary_by_month: dict[int, int] = {}

    def _benefit(self, kind: Pattern, payer: Party, regeling: str, start: dt.date,
                 end: dt.date, pay: dt.date, net: int, text: str) -> None:  # fmt: skip
        gross = gross_of(kind, net)
        self.book.add(self.account, pay, net, payer, text, Kind.IN)
        self.payments.append(BenefitPayment(payer.registry_id, regeling, start, end, pay, gross,
                                            gross - net, net, text))  # fmt: skip

    def month(self, streams: list[Stream], i: int) -> None:
        month = add_months(self.first, i)
        salary = 0
        for s in streams:
            if s.active(i) and s.kind in SALARIES:
                salary += self._salary(s, month)
        self.salary_by_month[i] = salary
        for s in streams:
            if not s.active(i) or s.kind in SALARIES:
                continue
            if s.kind is Pattern.FLEX:
                self._flex(s, month)
            elif s.kind in (Pattern.BIJSTAND, Pattern.PARTTIME_TOPUP):
                self._bijstand(s, i, month)
            else:
                self._uwv(s, i, month)

    def _salary(self, s: Stream, month: dt.date) -> int:
        employer = s.payer
        if s.kind is Pattern.SALARY_4W:
            assert s.first_pay is not None
            paid = 0
            for pay in four_weekly_paydays(s.first_pay, month):
                period = _period_number(s.first_pay, pay)
                text = f"SALARIS PERIODE {period:02d} {pay.year} {employer.name.upper()}"
                self.book.add(self.account, pay, s.net_cents, employer, text, Kind.IN)
                paid += s.net_cents
            return paid
        pay = working_day_before(day_in(month, 25))
        text = f"SALARIS {MONTHS_NL[month.month - 1].upper()} {month.year} {s.ref.upper()}"
        amount = s.net_cents
        if month.month == 5:
            amount += s.net_cents * 72 // 100  # 8% of a year's wage, after tax (demo)
            text += " INCL VAKANTIEGELD"
        self.book.add(self.account, pay, amount, employer, text.strip(), Kind.IN)
        return amount

    def _flex(self, s: Stream, month: dt.date) -> None:
        day = month + dt.timedelta(days=(4 - month.weekday()) % 7)
        while day.month == month.month:
            hours = self.rng.choice((0, 0, 8, 12, 16, 20, 24, 28, 32, 38))
            if hours:
                week = (day - dt.timedelta(days=7)).isocalendar()
                amount = hours * s.net_cents // 24 + self.rng.randrange(0, 900)
                text = f"LOON WK {week.week:02d}-{week.year} {s.ref} UREN {hours}"
                self.book.add(self.account, day, amount, s.payer, text, Kind.IN)
            day += dt.timedelta(days=7)

    def _bijstand(self, s: Stream, i: int, month: dt.date) -> None:
        end = month_end(month)
        net = figures.bijstand_norm(month, couple=s.couple)
        text = f"PWJ/TAO {month:%d-%m-%y}/{end:%d-%m-%y} {s.ref}"
        if s.kind is Pattern.PARTTIME_TOPUP:
            # The top-up for this month is settled against last month's wages: the lag is the
            # "gedoe met verrekenen" coaches see (two 4-weekly wages in one month -> less).
            earned = self.salary_by_month.get(i - 1, self.salary_by_month.get(i, 0))
            net = max(0, net - earned)
            text += " AANVULLING"
            if net == 0:
                return
        pay = working_day_before(day_in(month, 26))
        self._benefit(Pattern.BIJSTAND, s.payer, "bijstand", month, end, pay, net, text)

    def _uwv(self, s: Stream, i: int, month: dt.date) -> None:
        # UWV pays in the first days of the month, for the month before.
        period = add_months(month, -1)
        end = month_end(period)
        label = "WW" if s.kind is Pattern.WW else "WGA"
        pay = working_day_before(day_in(month, 4 + (i % 2)))
        text = f"{label}-UITKERING {period:%d-%m-%Y} T/M {end:%d-%m-%Y} {s.ref}"
        self._benefit(s.kind, UWV, label.lower() if s.kind is Pattern.WW else "wia",
                      period, end, pay, s.net_cents, text)  # fmt: skip
        if month.month == 5:
            holiday = s.net_cents * 8 // 100 * 12 // 10
            self._benefit(s.kind, UWV, "vakantiegeld", dt.date(month.year - 1, 6, 1),
                          dt.date(month.year, 5, 31), pay, holiday,
                          f"VAKANTIEGELD {label} {month.year} {s.ref}")  # fmt: skip

    def kinderbijslag(self, ages_at: list[int], i: int, ref: str) -> None:
        """SVB pays after each quarter, early in January, April, July and October."""
        month = add_months(self.first, i)
        if month.month not in (1, 4, 7, 10):
            return
        quarter = add_months(month, -3)
        net = sum(figures.kinderbijslag(quarter, a) for a in ages_at)
        if not net:
            return
        q = (quarter.month - 1) // 3 + 1
        text = f"KINDERBIJSLAG {q}E KWARTAAL {quarter.year} {ref}"
        pay = working_day_before(day_in(month, 3))
        self.book.add(self.account, pay, net, SVB, text, Kind.IN)
        end = month_end(add_months(quarter, 2))
        self.payments.append(BenefitPayment(SVB.registry_id, "kinderbijslag", quarter, end, pay,
                                            net, 0, net, text))  # fmt: skip
