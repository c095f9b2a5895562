"""Expected clawback (terugvordering) per toeslag and year, with when it falls due and what to do.

A toeslag is paid as a monthly voorschot on an *estimated* income; after the year the
definitive amount follows from the actual toetsingsinkomen and the two are netted (Awir art
19, 24, 26). This module does that netting for every household x toeslag x year at once. The
definitive amount is an input (the rules engine computes it on the projected income); nothing
here computes a toeslag.

Rules applied, with their source:

* a zorgtoeslag of less than € 24 a year is not paid at all (Awir art 14 lid 4, DOMAIN.md);
* a reclaim after a *definitive calculation* of at most the threshold of the year the
  calculation is issued is not collected, per toeslag: ≤ € 106 in 2023, ≤ € 116 in 2024
  (Belastingdienst). For later years the threshold was not found: nothing is waived and the
  explanation says so. A revision of a voorschot is never waived;
* the definitive calculation comes after the year, at the latest before 1 December of the next
  year (Awir art 19; later only when the income tax assessment is later, then within 8 weeks of
  it); payment is due 6 weeks after the reclaim decision (Belastingdienst);
* the standard payment plan is 24 monthly terms (Belastingdienst), split exactly to the cent;
* the toeslagpartner is jointly liable (Awir art 33); interest may be charged when paying after
  the due date (Belastingdienst), so the advice points at the letter instead of promising none.

The advice offers the two ways out: adjust the income estimate at Dienst Toeslagen now (a lower
voorschot for the rest of the year), or reserve a monthly amount until the reclaim falls due
(:mod:`entitlement.buffer`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import polars as pl

from entitlement.buffer import monthly_reservation, months_between, split_evenly
from entitlement.money_text import month_text, regeling_name
from ingest.amounts import format_euro

BELASTINGDIENST_SMALL_RECLAIM: Final = (
    "https://www.belastingdienst.nl/wps/wcm/connect/nl/toeslagen/content/"
    "klein-bedrag-aan-toeslag-terugbetalen"
)
BELASTINGDIENST_REPAYMENT: Final = (
    "http://www.belastingdienst.nl/wps/wcm/connect/bldcontentnl/belastingdienst/prive/toeslagen/"
    "informatie_over_toeslagen/hoe_werken_toeslagen/toeslag_terugbetalen/"
)

WAIVER_THRESHOLD_CENTS: Final[dict[int, int]] = {2023: 106_00, 2024: 116_00}
"""Per calendar year in which the definitive calculation is issued (Belastingdienst, [P])."""

MINIMUM_YEARLY_CENTS: Final = 24_00
MINIMUM_RULE_REGELINGEN: Final = frozenset({"zorgtoeslag"})
"""DOMAIN.md states the € 24 minimum for zorgtoeslag (Awir art 14 lid 4)."""

PLAN_TERMS: Final = 24

CLAWBACK_INPUT_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "regeling": pl.String,
    "year": pl.Int32,
    "advances_cents": pl.Int64,
    "advance_month_cents": pl.Int64,
    "definitive_cents": pl.Int64,
    "with_partner": pl.Boolean,
    "is_estimate": pl.Boolean,
    "as_of": pl.Date,
}
"""``advances_cents``: the year's voorschotten (received, or decided in the latest decision);
``advance_month_cents``: the current monthly voorschot (may be null); ``definitive_cents``: the
definitive yearly amount on the projected income, from the engine."""

CLAWBACK_SCHEMA: Final = CLAWBACK_INPUT_SCHEMA | {
    "below_minimum": pl.Boolean,
    "difference_cents": pl.Int64,
    "reclaim_cents": pl.Int64,
    "back_payment_cents": pl.Int64,
    "waiver_threshold_cents": pl.Int64,
    "waived": pl.Boolean,
    "to_pay_cents": pl.Int64,
    "due_earliest": pl.Date,
    "due_latest": pl.Date,
    "plan_terms": pl.Int32,
    "plan_first_term_cents": pl.Int64,
    "plan_last_term_cents": pl.Int64,
    "months_until_due": pl.Int32,
    "monthly_reservation_cents": pl.Int64,
    "new_advance_month_cents": pl.Int64,
    "advice": pl.String,
    "explanation": pl.String,
}


def payment_plan(amount_cents: int, terms: int = PLAN_TERMS) -> tuple[int, ...]:
    """The standard plan: ``terms`` monthly terms that add up to the reclaim exactly."""
    return split_evenly(amount_cents, terms)


def due_window(year: int) -> tuple[dt.date, dt.date]:
    """Earliest and latest month of the definitive calculation for toeslag year ``year``."""
    return dt.date(year + 1, 1, 1), dt.date(year + 1, 11, 1)


def _assess(row: dict[str, object]) -> dict[str, object]:
    regeling = str(row["regeling"])
    year = int(str(row["year"]))
    advances = int(str(row["advances_cents"]))
    definitive = max(0, int(str(row["definitive_cents"])))
    as_of = row["as_of"]
    assert isinstance(as_of, dt.date)
    as_of = as_of.replace(day=1)
    estimate = bool(row["is_estimate"])

    below = regeling in MINIMUM_RULE_REGELINGEN and 0 < definitive < MINIMUM_YEARLY_CENTS
    if below:
        definitive = 0
    difference = definitive - advances
    reclaim = max(0, -difference)
    back = max(0, difference)
    earliest, latest = due_window(year)
    threshold = WAIVER_THRESHOLD_CENTS.get(earliest.year)
    waived = reclaim > 0 and threshold is not None and reclaim <= threshold
    to_pay = 0 if waived else reclaim
    plan = payment_plan(to_pay) if to_pay else (0,) * PLAN_TERMS
    months = months_between(as_of, earliest)
    reserve = monthly_reservation(to_pay, months)
    new_advance = _new_advance(row, definitive, as_of)

    who = f"{regeling_name(regeling)} {year}"
    facts = [
        f"voorschotten {who}: {format_euro(advances)}",
        f"definitief op het verwachte inkomen: {format_euro(definitive)}"
        + (" (geschat)" if estimate else ""),
    ]
    if below:
        facts.append("minder dan € 24,00 per jaar: geen recht (Awir art. 14 lid 4)")
    if reclaim:
        facts.append(f"terug te betalen: {format_euro(reclaim)}")
        if threshold is None:
            facts.append(
                f"de kwijtscheldingsgrens voor definitieve berekeningen in {earliest.year} is "
                "niet gevonden; we rekenen met volledige terugbetaling"
            )
        elif waived:
            facts.append(
                f"niet meer dan {format_euro(threshold)}: komt de definitieve berekening in "
                f"{earliest.year}, dan hoeft u dit niet terug te betalen (Belastingdienst)"
            )
        else:
            facts.append(f"meer dan de grens van {format_euro(threshold)}: volledig terugbetalen")
    elif back:
        facts.append(f"u krijgt naar verwachting {format_euro(back)} nabetaald")
    else:
        facts.append("voorschotten en definitief bedrag zijn gelijk")
    explanation = "; ".join(facts) + "."
    window = (earliest, latest, as_of, months)
    advice = _advice({**row, "_reclaim": reclaim}, who, to_pay, window, reserve, plan, new_advance)
    return {
        "below_minimum": below,
        "difference_cents": difference,
        "reclaim_cents": reclaim,
        "back_payment_cents": back,
        "waiver_threshold_cents": threshold,
        "waived": waived,
        "to_pay_cents": to_pay,
        "due_earliest": earliest,
        "due_latest": latest,
        "plan_terms": PLAN_TERMS,
        "plan_first_term_cents": plan[0],
        "plan_last_term_cents": plan[-1],
        "months_until_due": months,
        "monthly_reservation_cents": reserve,
        "new_advance_month_cents": new_advance,
        "advice": advice,
        "explanation": explanation,
    }


def _new_advance(row: dict[str, object], definitive: int, as_of: dt.date) -> int | None:
    """The monthly voorschot for the rest of the year if the income estimate is adjusted now.

    Assumes the change applies from the month after ``as_of`` and that the voorschotten up to
    and including ``as_of`` were paid at the current monthly amount. None when the year is over
    or the current monthly voorschot is unknown.
    """
    year = int(str(row["year"]))
    current = row["advance_month_cents"]
    if current is None or as_of.year != year or as_of.month >= 12:
        return None
    remaining = 12 - as_of.month
    paid = int(str(current)) * as_of.month
    return max(0, definitive - paid) // remaining


def _advice(
    row: dict[str, object],
    who: str,
    to_pay: int,
    window: tuple[dt.date, dt.date, dt.date, int],
    reserve: int,
    plan: tuple[int, ...],
    new_advance: int | None,
) -> str:
    if not to_pay and int(str(row["_reclaim"])) > 0:
        return (
            f"Voor {who} hoeft u naar verwachting niets terug te betalen: "
            f"{format_euro(int(str(row['_reclaim'])))} valt onder de grens voor kleine "
            "terugvorderingen."
        )
    if not to_pay:
        return f"Voor {who} is geen terugbetaling te verwachten; er is niets te doen."
    earliest, latest, as_of, months = window
    lines = [
        f"Verwacht: {format_euro(to_pay)} terugbetalen voor {who}. De definitieve berekening "
        f"komt op zijn vroegst in {month_text(earliest)} en uiterlijk in {month_text(latest)} "
        "(vóór 1 december; later alleen als de aanslag inkomstenbelasting later komt, dan "
        "binnen 8 weken daarna). Betalen moet binnen 6 weken na de terugvorderingsbeschikking."
    ]
    if new_advance is not None:
        lines.append(
            f"Wat u nu kunt doen: (1) geef uw verwachte inkomen door aan Dienst Toeslagen (Mijn "
            f"toeslagen); dan wordt het voorschot voor de rest van {as_of.year} ongeveer "
            f"{format_euro(new_advance)} per maand in plaats van "
            f"{format_euro(int(str(row['advance_month_cents'])))} en valt de terugbetaling "
            "grotendeels weg; of (2)"
        )
    else:
        lines.append("Wat u nu kunt doen:")
    if months > 0:
        lines.append(
            f"reserveer {format_euro(reserve)} per maand vanaf {month_text(as_of)} tot "
            f"{month_text(earliest)} ({months} maanden)."
        )
    else:
        lines.append(f"houd {format_euro(to_pay)} apart: de berekening kan nu elk moment komen.")
    lines.append(
        f"Lukt in één keer betalen niet, dan is de standaardbetalingsregeling {PLAN_TERMS} "
        f"maandelijkse termijnen van {format_euro(plan[0])}"
        + (f" (de laatste {format_euro(plan[-1])})" if plan[-1] != plan[0] else "")
        + ". Betaalt u na de uiterste betaaldatum, dan kan Dienst Toeslagen rente rekenen, ook "
        "bij een betalingsregeling: kijk in de brief."
    )
    if row["with_partner"]:
        lines.append("Uw toeslagpartner is ook aansprakelijk voor de terugbetaling (Awir art. 33).")
    return " ".join(lines)


def expected_clawbacks(frame: pl.DataFrame) -> pl.DataFrame:
    """Every household x toeslag x year of ``frame`` (:data:`CLAWBACK_INPUT_SCHEMA`) assessed
    (:data:`CLAWBACK_SCHEMA`). Row by row in Python: one row per household-toeslag-year is few
    rows, and each carries its own Dutch advice."""
    base = frame.select([pl.col(n).cast(t) for n, t in CLAWBACK_INPUT_SCHEMA.items()])
    assessed = [_assess(row) for row in base.iter_rows(named=True)]
    extra = {k: v for k, v in CLAWBACK_SCHEMA.items() if k not in CLAWBACK_INPUT_SCHEMA}
    added = pl.DataFrame(assessed, schema=extra, orient="row")
    return base.hstack(added.get_columns())


def assess_one(
    regeling: str,
    year: int,
    advances_cents: int,
    definitive_cents: int,
    as_of: dt.date,
    *,
    advance_month_cents: int | None = None,
    with_partner: bool = False,
    is_estimate: bool = True,
    household: str = "",
) -> dict[str, Any]:
    """One toeslag-year, for a quick check or a test: the row of :func:`expected_clawbacks`."""
    frame = pl.DataFrame(
        [(household, regeling, year, advances_cents, advance_month_cents, definitive_cents,
          with_partner, is_estimate, as_of)],
        schema=CLAWBACK_INPUT_SCHEMA, orient="row",
    )  # fmt: skip
    return expected_clawbacks(frame).row(0, named=True)
