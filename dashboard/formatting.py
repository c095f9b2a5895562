"""Numbers, money and dates the Dutch way, for every page and figure.

Money is integer cents up to here and becomes text only at the last step, through
``ingest.amounts.format_euro`` (which a test keeps equal to Babel's ``nl_NL`` currency format);
a no-break space joins the euro sign to the number so a cell never wraps between them. Times
are stored in UTC and shown in Dutch time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from ingest.amounts import format_euro

LOCALE = "nl_NL"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
PLOTLY_SEPARATORS = ",."
"""Plotly's ``separators``: decimal comma, thousands point."""


def euro(cents: int, *, sign: bool = False) -> str:
    """``123456`` → ``€ 1.234,56`` (with a no-break space after the euro sign)."""
    return format_euro(cents, sign=sign, nbsp=True)


def euro_or_unknown(cents: int | None, unknown: str, *, sign: bool = False) -> str:
    return unknown if cents is None else euro(cents, sign=sign)


def day(value: dt.date) -> str:
    """``2024-03-01`` → ``1 maart 2024``."""
    return format_date(value, "d MMMM y", locale=LOCALE)


def short_day(value: dt.date) -> str:
    """``2024-03-01`` → ``01-03-2024``."""
    return f"{value:%d-%m-%Y}"


def month(value: dt.date) -> str:
    """``2024-03-01`` → ``maart 2024``."""
    return format_date(value, "MMMM y", locale=LOCALE)


def moment(value: dt.datetime) -> str:
    """A stored timestamp in Dutch time: ``14-03-2024 09:05``. Naive values are UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return format_datetime(aware, "dd-MM-y HH:mm", tzinfo=TIMEZONE, locale=LOCALE)
