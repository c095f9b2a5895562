"""When the money of a regeling arrives: one explicit window per way of paying.

Why explicit and tolerant: a payment is set against the month it is *for*, and the bank only
shows the day it arrived. Dienst Toeslagen pays a voorschot around the 20th of the month before;
the SVB pays kinderbijslag early in the month after the quarter. Bijstand is paid by the
municipality, and municipalities differ: the demo world (``hhb.demo.income``) pays on the
working day before the 26th of the month itself, others pay on the 1st of the next month, and
when the 1st falls in a weekend the money arrives on the last working days of the month before.
Reading bijstand by the month it was booked then leaves one month empty ("gemist") and gives the
next one two payments. So a bijstand payment for month M may arrive from the 20th of M-1 to the
10th of M+1 (:data:`WINDOWS`), and :func:`assign_months` decides which month each payment is
for, each payment for exactly one month.

The windows of consecutive bijstand months overlap, so the assignment is a choice: keep the
payments in their order (a later payment is never for an earlier month), cover as many months
as possible, and among those choices read as few payments as paid in advance: by default a payment
is for the earliest month its day fits (bijstand is paid at the end of the month itself or in
arrears; a payment in the first ten days of a month is for the month before). A municipality
that pays on the 25th keeps its months; one that pays on the 1st for the month before, or on
the 30th when the 1st is a Sunday, gets one payment per month. Limitation: a month that truly got
nothing, next to a month with two payments close to their common border, is read as one payment
each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from entitlement.buffer import add_months
from entitlement.rules.model import Payment


@dataclass(frozen=True)
class PaymentWindow:
    """From day ``first_day`` of month ``start + first_month`` to day ``last_day`` of month
    ``start + last_month`` (a day past the month's end means its last day), both inclusive;
    ``start`` is the first month of the unit (month, quarter or year) the payment is for."""

    first_month: int
    first_day: int
    last_month: int
    last_day: int

    def of(self, start: dt.date) -> tuple[dt.date, dt.date]:
        first = add_months(start, self.first_month)
        last = add_months(start, self.last_month)
        last_of_month = add_months(last, 1) - dt.timedelta(days=1)
        return (
            first.replace(day=self.first_day),
            last.replace(day=min(self.last_day, last_of_month.day)),
        )

    def months_for(self, day: dt.date) -> list[dt.date]:
        """The months (as unit starts of a monthly regeling) a payment on ``day`` can be for."""
        home = day.replace(day=1)
        found = []
        for offset in range(-self.last_month, -self.first_month + 1):
            month = add_months(home, offset)
            first, last = self.of(month)
            if first <= day <= last:
                found.append(month)
        return found


WINDOWS: Final = {
    Payment.JAARRECHT_PER_MAAND: PaymentWindow(-1, 1, -1, 31),
    Payment.PER_MAAND: PaymentWindow(-1, 20, 1, 10),
    Payment.PER_KWARTAAL: PaymentWindow(3, 1, 3, 31),
    Payment.EENMALIG_PER_JAAR: PaymentWindow(0, 1, 11, 31),
}
"""Per ``betaling`` of a regeling file: where the payment for a unit is expected."""

MATCHED: Final = frozenset({Payment.PER_MAAND})
"""Ways of paying whose bank payments are assigned with :func:`assign_months` (overlapping
windows); a toeslag voorschot is always for the month after it was booked."""

RECEIVED_AS: Final = {"iit_gm0307": "iit", "iit_gm0344": "iit"}
"""The regeling name the classifier and the specifications use, where it differs."""


def _months_apart(a: dt.date, b: dt.date) -> int:
    return (a.year - b.year) * 12 + a.month - b.month


def assign_months(days: Sequence[dt.date], window: PaymentWindow) -> list[dt.date]:
    """The month each payment (arrival day, any order) is for; see the module docstring.

    A dynamic programme over the payments in date order: the state is the month of the last
    payment, the score (months covered, minus months read later than the earliest possible).
    """
    order = sorted(range(len(days)), key=lambda i: days[i])
    layers: list[dict[dt.date, tuple[tuple[int, int], dt.date | None]]] = []
    for k, i in enumerate(order):
        day = days[i]
        home = day.replace(day=1)
        layer: dict[dt.date, tuple[tuple[int, int], dt.date | None]] = {}
        candidates = window.months_for(day) or [home]
        for month in candidates:
            moved = _months_apart(month, candidates[0])
            if k == 0:
                layer[month] = ((1, -moved), None)
                continue
            best: tuple[tuple[int, int], dt.date | None] | None = None
            for before, (score, _) in sorted(layers[-1].items()):
                if before > month:
                    continue
                new = (score[0] + (month > before), score[1] - moved)
                if best is None or new > best[0]:
                    best = (new, before)
            if best is not None:
                layer[month] = best
        layers.append(layer)
    out = [dt.date.min] * len(days)
    if not layers:
        return []
    last = max(layers[-1].items(), key=lambda kv: (kv[1][0], -kv[0].toordinal()))[0]
    at: dt.date | None = last
    for k in range(len(order) - 1, -1, -1):
        assert at is not None
        out[order[k]] = at
        at = layers[k][at][1]
    return out
