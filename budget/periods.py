"""Periodicities of recurring payments and their monthly equivalent.

A budget coach compares fixed costs and income per month, whatever rhythm they are paid in, so
every series is converted to a *monthly equivalent*. The factors are the calendar ones a coach uses:
a year has 52 weeks and 13 four-week periods, so a weekly amount is ×52/12 and a 4-weekly amount
×13/12 a month; a quarterly amount is /3 and a yearly amount /12.

Rounding: the exact product ``amount × numerator / denominator`` is rounded to a whole cent with
*half to even* (banker's rounding), computed in integers so no float ever touches money. Half-even
is unbiased over many series (a household with many €x,xx5 amounts is not systematically
over-budgeted) and is what Python's ``round`` and polars' ``round`` do. Because only the last step
rounds, twelve monthly equivalents of a yearly amount differ from it by at most 12 × ½ cent, i.e.
6 cents (a test checks it).
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

MONTH_DAYS = 365.2425 / 12
"""Average length of a calendar month in days (Gregorian year / 12)."""


class Periodicity(StrEnum):
    """The rhythms the product recognises; the order is the code used in the frames."""

    WEEKLY = "weekly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


PERIODICITIES: tuple[Periodicity, ...] = tuple(Periodicity)

PERIOD_DAYS: dict[Periodicity, float] = {
    Periodicity.WEEKLY: 7.0,
    Periodicity.FOUR_WEEKLY: 28.0,
    Periodicity.MONTHLY: MONTH_DAYS,
    Periodicity.QUARTERLY: 3 * MONTH_DAYS,
    Periodicity.YEARLY: 12 * MONTH_DAYS,
}
"""Nominal length of one period in days."""

CALENDAR_BASED: dict[Periodicity, bool] = {
    Periodicity.WEEKLY: False,
    Periodicity.FOUR_WEEKLY: False,
    Periodicity.MONTHLY: True,
    Periodicity.QUARTERLY: True,
    Periodicity.YEARLY: True,
}
"""Monthly, quarterly and yearly payments follow the calendar (rent on the 1st, whatever the
month's length); weekly and 4-weekly ones follow a fixed number of days."""

TOLERANCE_DAYS: dict[Periodicity, float] = {
    Periodicity.WEEKLY: 2.0,
    Periodicity.FOUR_WEEKLY: 3.5,
    Periodicity.MONTHLY: 5.5,
    Periodicity.QUARTERLY: 10.5,
    Periodicity.YEARLY: 21.5,
}
"""How far (in days) a payment may sit from its expected date and still count as on time.

Weekly ±1 day around the anchor, plus up to a day for the anchor itself, which is the mean of
shifted dates (a test found ``0, +1, −1, −1, −1, −1`` needs it); wider would let random
grocery trips look weekly. Monthly ±5 days covers
weekends plus Christmas/Easter (rent due on the 1st paid on the 31st or the 3rd). The extra half
day absorbs the series' anchor being a mean, not a whole day.
"""

MIN_OCCURRENCES: dict[Periodicity, int] = {
    Periodicity.WEEKLY: 4,
    Periodicity.FOUR_WEEKLY: 3,
    Periodicity.MONTHLY: 3,
    Periodicity.QUARTERLY: 2,
    Periodicity.YEARLY: 2,
}
"""Fewest on-time payments (in distinct periods) before we call something a series.

Three for 4-weekly and monthly: two equal payments a month apart happen by chance, three rarely.
Four for weekly, because three equal payments in one month (back payments, refunds) are common and
are not a rhythm. Two for quarterly and yearly, or a yearly bill would need three years of history;
the gap between the two must then match the period within the tolerance.
"""

MONTHLY_FACTOR: dict[Periodicity, tuple[int, int]] = {
    Periodicity.WEEKLY: (52, 12),
    Periodicity.FOUR_WEEKLY: (13, 12),
    Periodicity.MONTHLY: (1, 1),
    Periodicity.QUARTERLY: (1, 3),
    Periodicity.YEARLY: (1, 12),
}
"""Monthly equivalent = amount × numerator / denominator (see the module docstring)."""

DUTCH_NAME: dict[Periodicity, str] = {
    Periodicity.WEEKLY: "wekelijks",
    Periodicity.FOUR_WEEKLY: "elke 4 weken",
    Periodicity.MONTHLY: "maandelijks",
    Periodicity.QUARTERLY: "elk kwartaal",
    Periodicity.YEARLY: "jaarlijks",
}


def _div_half_even(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)  # floor division, 0 <= remainder
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def monthly_equivalent(amount_cents: int, periodicity: Periodicity | str) -> int:
    """The amount per month in whole cents, rounded half to even (see the module docstring)."""
    num, den = MONTHLY_FACTOR[Periodicity(periodicity)]
    return _div_half_even(amount_cents * num, den)


def monthly_equivalent_expr(amount: pl.Expr, periodicity_code: pl.Expr) -> pl.Expr:
    """Vectorised :func:`monthly_equivalent`; ``periodicity_code`` indexes :data:`PERIODICITIES`.

    Same integer arithmetic: floor division, then half-even correction of the quotient.
    """
    num = pl.lit(0, pl.Int64)
    den = pl.lit(1, pl.Int64)
    for code, periodicity in enumerate(PERIODICITIES):
        n, d = MONTHLY_FACTOR[periodicity]
        num = pl.when(periodicity_code == code).then(pl.lit(n, pl.Int64)).otherwise(num)
        den = pl.when(periodicity_code == code).then(pl.lit(d, pl.Int64)).otherwise(den)
    product = amount.cast(pl.Int64) * num
    quotient = product // den
    twice = 2 * (product - quotient * den)
    round_up = (twice > den) | ((twice == den) & (quotient % 2 == 1))
    return quotient + round_up.cast(pl.Int64)
