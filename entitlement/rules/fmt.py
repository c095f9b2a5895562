"""Values as a coach reads them: ``€ 1.234,56``, ``1,879%``, ``18 jaar``, ``ja``/``nee``.

Formulas compute in euros as floats; whatever is shown goes through cents first (half away from
zero, as the engine rounds amounts) and :func:`ingest.amounts.format_euro`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from entitlement.rules.model import Unit
from ingest.amounts import format_euro

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
_SUFFIX = {
    Unit.EURO_JAAR: " per jaar",
    Unit.EURO_MAAND: " per maand",
    Unit.EURO_KWARTAAL: " per kwartaal",
}
NOT_FOUND = "niet gevonden"


def cents_of(euros: float) -> int:
    scaled = euros * 100.0
    return int(math.copysign(math.floor(abs(scaled) + 0.5), scaled))


def decimal_nl(value: float, places: int = 4) -> str:
    """``1.879`` -> ``1,879``; ``2.0`` -> ``2``; thousands with a point (``12.345,5``)."""
    text = f"{value:,.{places}f}".rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def value_text(value: Any, unit: Unit, *, suffix: bool = False) -> str:
    """A parameter or step value in words; ``suffix`` adds "per jaar" etc. to amounts."""
    if value is None:
        return NOT_FOUND
    if unit is Unit.JA_NEE or isinstance(value, bool):
        return "ja" if value else "nee"
    if unit.is_money:
        return format_euro(cents_of(value)) + (_SUFFIX.get(unit, "") if suffix else "")
    if unit is Unit.PROCENT:
        return decimal_nl(value * 100, 4) + "%"
    if unit is Unit.JAREN:
        return decimal_nl(value, 2) + " jaar"
    return decimal_nl(value, 4)


def ages_text(ages: Sequence[int] | None) -> str:
    if ages is None:
        return NOT_FOUND
    if not ages:
        return "geen"
    parts = [str(a) for a in sorted(ages)]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]
    return joined + " jaar"


def month_text(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def period_text(start: dt.date, end: dt.date | None) -> str:
    return f"vanaf {start:%d-%m-%Y}" + ("" if end is None else f" t/m {end:%d-%m-%Y}")
