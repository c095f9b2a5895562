"""Charts for the PDF month report as inline SVG: pure functions from numbers to markup.

No plotting library: the PDF engine draws SVG itself, labels stay real text (searchable, read
aloud), and a chart is a function of its figures only, so a test can check it without a
browser. Every chart has a ``<title>`` and a ``<desc>`` that says in words what it shows; the
report puts the same figures in a table beside it, so nobody depends on colour or on the image.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

INCOME_COLOUR: Final = "#2b6cb0"
SPENDING_COLOUR: Final = "#c05621"
LINE_COLOUR: Final = "#2f855a"
GRID_COLOUR: Final = "#d9d9d9"
TEXT_COLOUR: Final = "#222222"
FONT: Final = "DejaVu Sans, sans-serif"


@dataclass(frozen=True, slots=True)
class Frame:
    """Chart area in SVG units: the plot sits inside the margins (room for the labels)."""

    width: int = 640
    height: int = 240
    left: int = 78
    right: int = 12
    top: int = 16
    bottom: int = 44

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


SHORT_MONTHS: Final = (
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"
)  # fmt: skip


def short_month(month: dt.date) -> str:
    return f"{SHORT_MONTHS[month.month - 1]} {month.year}"


def whole_euros(cents: int) -> str:
    """Axis label: ``€ 1.500`` or ``€ -250`` (rounded to whole euros, half away from zero)."""
    euros = int(math.copysign(math.floor(abs(cents) / 100 + 0.5), cents)) if cents else 0
    text = f"{abs(euros):,}".replace(",", ".")
    return f"€ -{text}" if euros < 0 else f"€ {text}"


def nice_ticks(low: int, high: int, target: int = 5) -> list[int]:
    """Round axis ticks (in cents) covering [low, high]: steps of 1, 2, 2.5 or 5 x 10^k euros."""
    low, high = min(low, 0), max(high, 0)
    if low == high:
        high = low + 100_00
    raw = (high - low) / max(target - 1, 1)
    power = max(10 ** math.floor(math.log10(raw)), 100)  # never finer than a whole euro
    steps = (1, 2, 5, 10) if power == 100 else (1, 2, 2.5, 5, 10)  # no € 2,50 steps
    step_cents = round(next(m * power for m in steps if m * power >= raw))
    first = math.floor(low / step_cents) * step_cents
    last = math.ceil(high / step_cents) * step_cents
    return list(range(first, last + 1, step_cents))


def _y(value: int, ticks: Sequence[int], frame: Frame) -> float:
    lo, hi = ticks[0], ticks[-1]
    return frame.top + frame.plot_height * (hi - value) / (hi - lo)


def _axis(ticks: Sequence[int], frame: Frame) -> list[str]:
    parts = []
    for tick in ticks:
        y = _y(tick, ticks, frame)
        colour = TEXT_COLOUR if tick == 0 else GRID_COLOUR
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{colour}" stroke-width="{1 if tick == 0 else 0.6}"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6}" y="{y + 3.5:.1f}" text-anchor="end" '
            f'font-size="10">{escape(whole_euros(tick))}</text>'
        )
    return parts


def _svg(frame: Frame, title: str, desc: str, body: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="{frame.width}" height="{frame.height}" role="img" '
        f'font-family="{FONT}" fill="{TEXT_COLOUR}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]], frame: Frame) -> list[str]:
    parts, x = [], frame.left
    y = frame.height - 8
    for label, colour in items:
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" font-size="10">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    return parts


def income_spending_chart(
    months: Sequence[dt.date],
    income: Sequence[int],
    spending: Sequence[int],
    frame: Frame | None = None,
) -> str:
    """Bars per month: money in and money out (both as positive cents)."""
    frame = frame or Frame()
    if not months:
        return _svg(frame, "Geld in en uit per maand", "Geen maanden.", [])
    ticks = nice_ticks(0, max([*income, *spending, 0]))
    slot = frame.plot_width / len(months)
    bar = min(slot * 0.34, 48.0)
    parts = _axis(ticks, frame)
    base = _y(0, ticks, frame)
    for i, month in enumerate(months):
        centre = frame.left + slot * (i + 0.5)
        for offset, value, colour in (
            (-bar, income[i], INCOME_COLOUR),
            (0.0, spending[i], SPENDING_COLOUR),
        ):
            top = _y(value, ticks, frame)
            parts.append(
                f'<rect x="{centre + offset:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{max(base - top, 0):.1f}" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{frame.top + frame.plot_height + 14}" '
            f'text-anchor="middle" font-size="10">{escape(short_month(month))}</text>'
        )
    parts += _legend((("geld in", INCOME_COLOUR), ("geld uit", SPENDING_COLOUR)), frame)
    desc = "Staafdiagram: per maand het geld dat binnenkwam en het geld dat uitging."
    return _svg(frame, "Geld in en uit per maand", desc, parts)


def balance_chart(
    months: Sequence[dt.date], balances: Sequence[int | None], frame: Frame | None = None
) -> str:
    """A line through the balance at the end of each month; a month without a known balance
    breaks the line (nothing is guessed)."""
    frame = frame or Frame()
    known = [b for b in balances if b is not None]
    if not months or not known:
        return _svg(frame, "Saldo aan het eind van de maand", "Saldo onbekend.", [])
    ticks = nice_ticks(min(known), max(known))
    slot = frame.plot_width / len(months)
    parts = _axis(ticks, frame)
    segment: list[str] = []
    for i, (month, value) in enumerate(zip(months, balances, strict=True)):
        x = frame.left + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{frame.top + frame.plot_height + 14}" '
            f'text-anchor="middle" font-size="10">{escape(short_month(month))}</text>'
        )
        if value is None:
            parts.append(_polyline(segment))
            segment = []
            continue
        y = _y(value, ticks, frame)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE_COLOUR}"/>')
    parts.append(_polyline(segment))
    parts += _legend((("saldo eind van de maand", LINE_COLOUR),), frame)
    desc = "Lijndiagram: het saldo aan het eind van elke maand; onder de nullijn is rood staan."
    return _svg(frame, "Saldo aan het eind van de maand", desc, parts)


def _polyline(points: Sequence[str]) -> str:
    if len(points) < 2:
        return ""
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE_COLOUR}" '
        'stroke-width="2"/>'
    )


BAND_COLOUR: Final = "#9ae6b4"
FORECAST_COLOUR: Final = "#276749"


def forecast_chart(
    months: Sequence[dt.date],
    expected: Sequence[int],
    low: Sequence[int | None],
    high: Sequence[int | None],
    floor: int | None = None,
    frame: Frame | None = None,
) -> str:
    """The expected balance at each month's end as a line, its band (low to high) as a shaded
    area behind it, and the balance floor as a dashed line. Months without a band (too little
    history, see :mod:`budget.forecast`) get no area: nothing is guessed."""
    frame = frame or Frame()
    if not months:
        return _svg(frame, "Verwacht saldo", "Geen prognose.", [])
    bounds = [*expected, *(v for v in (*low, *high) if v is not None)]
    if floor is not None:
        bounds.append(floor)
    ticks = nice_ticks(min(bounds), max(bounds))
    slot = frame.plot_width / len(months)
    xs = [frame.left + slot * (i + 0.5) for i in range(len(months))]
    parts = _axis(ticks, frame)
    banded = [i for i in range(len(months)) if low[i] is not None and high[i] is not None]
    if len(banded) >= 2:
        upper = [f"{xs[i]:.1f},{_y(int(high[i] or 0), ticks, frame):.1f}" for i in banded]
        lower = [f"{xs[i]:.1f},{_y(int(low[i] or 0), ticks, frame):.1f}" for i in banded]
        parts.append(
            f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{BAND_COLOUR}" '
            'fill-opacity="0.55" stroke="none"/>'
        )
    if floor is not None:
        y = _y(floor, ticks, frame)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{SPENDING_COLOUR}" stroke-width="1.2" '
            'stroke-dasharray="5,3"/>'
        )
    points = [f"{x:.1f},{_y(v, ticks, frame):.1f}" for x, v in zip(xs, expected, strict=True)]
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{FORECAST_COLOUR}" '
        'stroke-width="2"/>'
    )
    base = frame.top + frame.plot_height + 12
    for i, (x, month) in enumerate(zip(xs, months, strict=True)):
        # Many months: the month on the axis, the year under the first month and each January.
        year = i == 0 or month.month == 1
        parts.append(
            f'<text x="{x:.1f}" y="{base}" text-anchor="middle" font-size="9">'
            f"{escape(SHORT_MONTHS[month.month - 1])}</text>"
        )
        if year:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 10}" text-anchor="middle" font-size="9">'
                f"{month.year}</text>"
            )
    legend = [("verwacht saldo", FORECAST_COLOUR)]
    if len(banded) >= 2:
        legend.append(("band: 8 van de 10 maanden", BAND_COLOUR))
    if floor is not None:
        legend.append(("ondergrens", SPENDING_COLOUR))
    parts += _legend(legend, frame)
    desc = (
        "Lijndiagram: het verwachte saldo aan het eind van elke maand, met de band waarbinnen "
        "het saldo naar verwachting 8 van de 10 maanden blijft."
    )
    return _svg(frame, "Verwacht saldo de komende maanden", desc, parts)
