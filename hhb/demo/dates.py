"""Calendar helpers: months of the demo window, working days, the dates payers really use."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator


def add_months(first: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``first`` (which is a first day)."""
    months = first.year * 12 + first.month - 1 + n
    return dt.date(months // 12, months % 12 + 1, 1)


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def day_in(first: dt.date, day: int) -> dt.date:
    """Day ``day`` of the month, clipped to its last day (the 31st in February is the 28th)."""
    return first.replace(day=min(day, calendar.monthrange(first.year, first.month)[1]))


def working_day_before(day: dt.date) -> dt.date:
    """Payers pay on the last working day on or before ``day`` (holidays ignored in the demo).

    Never into the previous month: a booking stays in the month it belongs to, which keeps the
    monthly overview (and the golden test) independent of where weekends fall.
    """
    moved = day
    while moved.weekday() >= 5:
        moved -= dt.timedelta(days=1)
    return moved if moved.month == day.month else working_day_after(day)


def working_day_after(day: dt.date) -> dt.date:
    """Direct debits due on a weekend are booked the next working day (same month, see above)."""
    moved = day
    while moved.weekday() >= 5:
        moved += dt.timedelta(days=1)
    return moved if moved.month == day.month else working_day_before(day)


def weekdays_in(first: dt.date, weekday: int) -> Iterator[dt.date]:
    """Every ``weekday`` (0 = Monday) in the month starting ``first``."""
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
    while day.month == first.month:
        yield day
        day += dt.timedelta(days=7)


def parse_month(text: str) -> dt.date:
    """``2024-10`` -> 1 October 2024; ValueError with a Dutch message otherwise."""
    try:
        year, month = (int(p) for p in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ValueError(f"{text!r} is geen maand; gebruik jjjj-mm, bijvoorbeeld 2024-01") from None
