"""The amounts the demo world pays, and where each comes from.

Bijstand norms and kinderbijslag follow DOMAIN.md section 4 (marked [S] there: secondary
sources). Where that table says NOT FOUND (bijstand 2026, kinderbijslag 2025 Q3) the demo keeps
paying the last known figure and says so in ``DEMO_CONTINUED``: that is demo data, not an
official amount. Toeslagen voorschotten are *demo approximations* of the real formulas (the
entitlement engine is elsewhere); they only need to be plausible and to move with income, so that
the patterns "missing toeslag" and "heading for a clawback" are visible.
"""

from __future__ import annotations

import datetime as dt

# Bijstand, net per month including holiday allowance, 21 to AOW age (DOMAIN.md 4, [S]).
_BIJSTAND: tuple[tuple[dt.date, int, int], ...] = (
    (dt.date(2024, 1, 1), 128383, 183404),
    (dt.date(2024, 7, 1), 130845, 186921),
    (dt.date(2025, 1, 1), 134545, 192207),
    (dt.date(2025, 7, 1), 136906, 195580),
)
# Kinderbijslag per child per quarter, ages 0-5 / 6-11 / 12-17 (DOMAIN.md 4, [S]).
_KINDERBIJSLAG: tuple[tuple[dt.date, tuple[int, int, int]], ...] = (
    (dt.date(2024, 1, 1), (27949, 33938, 39927)),
    (dt.date(2024, 7, 1), (28169, 34205, 40241)),
    (dt.date(2025, 1, 1), (28645, 34783, 40921)),
    (dt.date(2026, 1, 1), (29507, 35830, 42153)),
)
DEMO_CONTINUED = (
    "bijstand na 1-7-2025 en kinderbijslag 2025 Q3/Q4: laatst bekende bedrag doorgetrokken "
    "(demo, geen officieel bedrag)"
)


def bijstand_norm(day: dt.date, *, couple: bool) -> int:
    """Monthly bijstand in cents on ``day`` (before 2024: the 2024 figure, demo)."""
    _, single, married = max((r for r in _BIJSTAND if r[0] <= day), default=_BIJSTAND[0])
    return married if couple else single


def kinderbijslag(day: dt.date, age: int) -> int:
    """Quarterly kinderbijslag in cents for a child of ``age`` in the quarter starting ``day``."""
    if not 0 <= age < 18:
        return 0
    _, rates = max((r for r in _KINDERBIJSLAG if r[0] <= day), default=_KINDERBIJSLAG[0])
    return rates[0 if age < 6 else 1 if age < 12 else 2]


# Zorgtoeslag parameters (DOMAIN.md 4): standaardpremie, drempelinkomen, pct single, pct
# partner, afbouw (basis points of a percent: 1879 = 1.879%).
_ZORG = {2024: (1987, 26819, 1879, 4256, 13670), 2025: (2112, 28406, 1896, 4273, 13700),
         2026: (2119, 29736, 1912, 4289, 13730)}  # fmt: skip


def zorgtoeslag_year(year: int, income: int, *, partner: bool) -> int:
    """Yearly zorgtoeslag in whole euros for a yearly income in euros (Wzt art 2 shape)."""
    std, drempel, single_pct, partner_pct, afbouw = _ZORG[min(max(year, 2024), 2026)]
    pct = partner_pct if partner else single_pct
    norm = drempel * pct / 100_000 + afbouw / 100_000 * max(0, income - drempel)
    amount = round(std * (2 if partner else 1) - norm)
    return amount if amount >= 24 else 0


def huurtoeslag_month(rent_cents: int, income: int, *, partner: bool) -> int:
    """Demo approximation of a monthly huurtoeslag in cents: NOT the legal formula.

    Subsidy on the part of the rent above a base rent (capped at the 2024 aftoppingsgrens),
    tapering linearly to zero between a demo income floor and ceiling.
    """
    floor, ceiling = (24_000, 44_000) if partner else (18_000, 33_000)
    if income >= ceiling:
        return 0
    eligible = max(0, min(rent_cents, 65_043) - 23_000) * 85 // 100
    taper = max(0, income - floor)
    return eligible * (ceiling - floor - taper) // (ceiling - floor)


# Kindgebonden budget: max per child, extra 12-15, extra 16-17, alleenstaande-ouderkop, drempel
# single, drempel partner, afbouw (basis points). 2024/2025 from DOMAIN.md 4; 2026 sources
# conflict, so the demo keeps 2025.
_KGB = {2024: (2436, 694, 924, 3480, 26819, 35849, 675),
        2025: (2511, 703, 936, 3389, 28406, 37544, 710)}  # fmt: skip


def kindgebonden_budget_year(year: int, ages: tuple[int, ...], income: int, *,
                             partner: bool) -> int:  # fmt: skip
    """Yearly kindgebonden budget in whole euros (shape of the Wkb; demo, see module doc)."""
    if not ages:
        return 0
    per_child, extra12, extra16, single_top, d_single, d_partner, afbouw = _KGB[
        min(max(year, 2024), 2025)
    ]
    full = len(ages) * per_child + sum(extra12 for a in ages if 12 <= a < 16)
    full += sum(extra16 for a in ages if 16 <= a < 18) + (0 if partner else single_top)
    drempel = d_partner if partner else d_single
    return max(0, round(full - afbouw / 10_000 * max(0, income - drempel)))
