"""How far a household's statements reach: the one query ``hhb budget``, ``hhb signals`` and
``hhb forecast`` (and the month report through :func:`statements_until`) share.

A statement closing on 31 December makes December complete even when its last booking was on the
27th; CSV exports state no opening or closing date, and then the bookings are all there is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.households import get_household
from store.models import Account, StatementRow


@dataclass(frozen=True, slots=True)
class StatementDates:
    """The first opening and the last closing date over all the household's statements."""

    first_opening: dt.date | None
    last_closing: dt.date | None

    def data_until(self, last_booking: dt.date) -> dt.date:
        """The last day the data covers: the last booking, or a later closing date."""
        if self.last_closing is None:
            return last_booking
        return max(last_booking, self.last_closing)


def statement_dates(session: Session, household_code: str) -> StatementDates:
    """First opening and last closing date of the household's statements (``None`` if no
    statement states one)."""
    household = get_household(session, household_code)
    first, last = session.execute(
        select(func.min(StatementRow.opening_date), func.max(StatementRow.closing_date))
        .join(Account, Account.id == StatementRow.account_id)
        .where(Account.household_id == household.id)
    ).one()
    return StatementDates(first, last)


def statements_until(session: Session, household_code: str) -> dt.date | None:
    """The last day the household's statements state a closing balance for, if any."""
    return statement_dates(session, household_code).last_closing
