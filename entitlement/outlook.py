"""What the loket needs from outside the rules, for the command and the dashboard alike.

Why a module of its own: ``hhb entitlements`` / ``hhb whatif`` and the dashboard pages
"Regelingen" and "Wat als" need the same two things, the balance outlook of a household and the
parsing of an income change. They lived in the click command module, which made the dashboard
import the CLI; here they have no command layer around them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

import click
import polars as pl
from sqlalchemy.orm import Session

from budget.forecast import forecast
from entitlement.buffer import household_buffer
from entitlement.household import HouseholdData
from entitlement.loket import BalanceOutlook
from entitlement.outcome_money import clawback_as_of
from hhb.signals_view import load_inputs

CHANGE_OPTION: Final = "--income-change"
OUTLOOK_MONTHS: Final = 12
"""The months of the balance forecast in the outlook (as ``hhb forecast``'s default)."""
_THOUSANDS: Final = re.compile(r"^\d{1,3}(\.\d{3})+$")


class ChangeError(click.BadParameter, ValueError):
    """An income change that is not an amount. A :class:`click.BadParameter` so the command shows
    it as an option error (and callers that catch that keep working), and a ``ValueError`` for
    everyone else; ``message`` is the Dutch text."""


def outlook_of(
    session: Session, data: HouseholdData, *, classified: pl.DataFrame | None = None
) -> BalanceOutlook:
    """The balance forecast (b) and the buffer duration (c) from the budget side.

    ``classified``: the household's classified history, when the caller read it already (see
    :func:`hhb.signals_view.load_inputs`). Only the forecast is made: the signals that
    ``hhb signals`` would add play no part in the outlook.
    """
    inputs = load_inputs(session, data.code, classified=classified)
    fc = forecast(inputs.series, inputs.transactions, inputs.context, months=OUTLOOK_MONTHS)
    duration = household_buffer(session, data.code, clawback_as_of(data))
    return BalanceOutlook(fc.months, inputs.settings.margins.buffer_target_cents, duration)


def parse_change(value: str) -> int:
    """``"+1000"``, ``"-250,50"``, ``"1.000"``, ``"€ 612.50"`` -> signed cents.

    A comma is the decimal sign (dots before it group thousands); without a comma, ``1.000``
    is a thousand and ``612.50`` has cents. At most two decimals.
    """
    text = value.replace("€", "").replace(" ", "").strip()
    negative = text.startswith("-")
    text = text.lstrip("+-")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ChangeError(
            f"{value!r} is geen bedrag in euro's (bv. 25000 of 612,50)", param_hint=CHANGE_OPTION
        ) from None
    cents = amount * 100
    if not amount.is_finite() or cents != cents.to_integral_value() or amount < 0:
        raise ChangeError(
            f"{value!r}: een positief bedrag met hoogstens twee decimalen",
            param_hint=CHANGE_OPTION,
        )
    return -int(cents) if negative else int(cents)
