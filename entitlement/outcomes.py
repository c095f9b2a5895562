"""Per household x month x regeling: the right, the expected and the received amount, a status.

The engine says what a household is entitled to (:mod:`entitlement.rules`);
:mod:`entitlement.received` says what arrived. Setting the two side by side needs to know
*when* a payment is due, because every regeling pays on its own rhythm (the ``betaling`` of its
YAML file):

============================  ==================================  ===============================
betaling                      unit compared                       expected window (must be in
                                                                  the statements to judge it)
============================  ==================================  ===============================
jaarrecht per maand           the month (voorschot for month M)   month M-1: Dienst Toeslagen
(toeslagen)                                                       pays around the 20th of the
                                                                  month before
per maand (bijstand)          the month                           the 20th of M-1 to the 10th of
                                                                  M+1 (municipalities differ)
per kwartaal (kinderbijslag)  the quarter                         the month after the quarter
                                                                  (the SVB pays afterwards)
eenmalig per jaar (IIT)       the calendar year                   the whole year
============================  ==================================  ===============================

The windows are :data:`entitlement.payment_window.WINDOWS`. Received money is attributed to the
unit it is for: a toeslag voorschot to the month it is for (received.py already moves a bank
voorschot to the next month), a bank bijstand payment to the month
:func:`entitlement.payment_window.assign_months` chooses (received.py; each payment counts for
one month), a kinderbijslag payment on the bank to the quarter before the month it was booked
in, a specification to its stated period. A unit whose window the statements do not cover yet is
still "ontvangen" when the expected amount has already arrived.

Statuses (:class:`PaymentStatus`), per unit, repeated on each month of the unit:

* **geen recht** / **niet berekend** / **niet van toepassing**: the engine's outcome for that
  month (niet berekend: a fact or a parameter is missing, the derivation says which);
* **nog niet te zien** / **geen afschriften**: entitled, but the statements end before the
  unit's window ends, or start after it begins;
* **gemist**: entitled and nothing received for the unit;
* **deels**: something received, but less than expected minus the tolerance, which is the larger
  of :data:`TOLERANCE_CENTS` (€ 10) and :data:`TOLERANCE_PCT` (10 %) of the expected amount.
  A voorschot rests on the income estimate the household gave Dienst Toeslagen, so a small
  difference with our expected amount is normal and is left to the clawback arithmetic;
* **ontvangen**: at least expected minus the tolerance received (more than expected is also
  "ontvangen"; whether it must be paid back is in :mod:`entitlement.outcome_money`);
* **niet zichtbaar**: kwijtschelding is a waiver, no money arrives, so a statement cannot show
  whether it was granted.

**Missed regelingen** (:func:`missed`): per regeling and year, the household is entitled in at
least one judged unit, nothing at all was received for any judged unit of that year, and the
expected amount for the year is at least :data:`MATERIAL_YEAR_CENTS` (€ 50: below that an
application costs the household more effort than it brings; zorgtoeslag under € 24 a year is
not paid at all). Each comes with the estimated amount per year and where to apply.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import polars as pl

from entitlement.buffer import add_months
from entitlement.household import HouseholdData
from entitlement.payment_window import RECEIVED_AS, WINDOWS
from entitlement.received import ReceivedSource
from entitlement.rules.engine import Outcome, column, reason_names
from entitlement.rules.explain import explain
from entitlement.rules.frames import used_inputs
from entitlement.rules.inputs import INPUTS, MONTH_COLUMN
from entitlement.rules.model import Payment, Regeling
from entitlement.rules.registry import Rules

TOLERANCE_CENTS: Final = 10_00
TOLERANCE_PCT: Final = 10
MATERIAL_YEAR_CENTS: Final = 50_00
STATEMENT_SLACK_DAYS: Final = 4
"""A statement that starts on the first working days of a month still covers that month."""


class PaymentStatus(StrEnum):
    ONTVANGEN = "ontvangen"
    DEELS = "deels"
    GEMIST = "gemist"
    GEEN_RECHT = "geen recht"
    NIET_BEREKEND = "niet berekend"
    NIET_VAN_TOEPASSING = "niet van toepassing"
    NOG_NIET = "nog niet te zien"
    GEEN_AFSCHRIFTEN = "geen afschriften"
    NIET_ZICHTBAAR = "niet zichtbaar"


ENGINE_STATUS: Final = {
    Outcome.GEEN_RECHT: PaymentStatus.GEEN_RECHT,
    Outcome.NIET_BEREKEND: PaymentStatus.NIET_BEREKEND,
    Outcome.NIET_VAN_TOEPASSING: PaymentStatus.NIET_VAN_TOEPASSING,
}

INVISIBLE: Final = frozenset({"kwijtschelding"})

TOESLAGEN_URL: Final = "https://www.belastingdienst.nl/wps/wcm/connect/nl/toeslagen/"
WHAT_TO_DO: Final = {
    "zorgtoeslag": (
        "Vraag zorgtoeslag aan bij Dienst Toeslagen: via Mijn toeslagen op toeslagen.nl "
        "(inloggen met DigiD) of via de BelastingTelefoon 0800-0543. Aanvragen kan tot "
        "1 september van het jaar na het toeslagjaar (bron: belastingdienst.nl, Ik wil een "
        "toeslag aanvragen)."
    ),
    "huurtoeslag": (
        "Vraag huurtoeslag aan bij Dienst Toeslagen: via Mijn toeslagen op toeslagen.nl "
        "(inloggen met DigiD) of via de BelastingTelefoon 0800-0543. Aanvragen kan tot "
        "1 september van het jaar na het toeslagjaar (bron: belastingdienst.nl, Ik wil een "
        "toeslag aanvragen)."
    ),
    "kindgebonden_budget": (
        "Kindgebonden budget komt meestal vanzelf bij kinderbijslag als Dienst Toeslagen het "
        "inkomen kent. Komt het niet, vraag het dan aan via Mijn toeslagen op toeslagen.nl; dat "
        "kan tot 1 september van het jaar na het toeslagjaar (bron: belastingdienst.nl)."
    ),
    "kinderbijslag": (
        "Vraag kinderbijslag aan bij de SVB: via Mijn SVB op svb.nl (inloggen met DigiD)."
    ),
    "bijstand": (
        "Meld u bij de gemeente (Werk en Inkomen) voor bijstand. Bijstand gaat in de regel pas in "
        "vanaf de dag van de melding (Participatiewet art. 44): meld u dus zo snel mogelijk."
    ),
}


def what_to_do(regeling: Regeling) -> str:
    if regeling.name in WHAT_TO_DO:
        return WHAT_TO_DO[regeling.name]
    place = f" (gemeente {regeling.municipality})" if regeling.municipality else ""
    return f"Vraag {regeling.title.lower()} aan bij de gemeente{place}."


# --- windows ---------------------------------------------------------------------------------


def unit_start(month: dt.date, payment: Payment) -> dt.date:
    if payment is Payment.PER_KWARTAAL:
        return dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    if payment is Payment.EENMALIG_PER_JAAR:
        return dt.date(month.year, 1, 1)
    return month


def unit_label(start: dt.date, payment: Payment) -> str:
    if payment is Payment.PER_KWARTAAL:
        return f"{start.year}-K{(start.month - 1) // 3 + 1}"
    if payment is Payment.EENMALIG_PER_JAAR:
        return str(start.year)
    return f"{start:%Y-%m}"


def window(start: dt.date, payment: Payment) -> tuple[dt.date, dt.date]:
    """First and last day of the period in which the unit starting at ``start`` is paid
    (:data:`entitlement.payment_window.WINDOWS`)."""
    return WINDOWS[payment].of(start)


def attributed_month(period_month: dt.date, source: str, payment: Payment) -> dt.date:
    """The month a received amount is for (see the module docstring)."""
    if payment is Payment.PER_KWARTAAL and source == ReceivedSource.BANK.value:
        return add_months(period_month, -1)
    return period_month


def received_by_unit(
    received: pl.DataFrame, regeling: Regeling
) -> tuple[dict[dt.date, int], dict[dt.date, int]]:
    """Received cents per attributed month and per unit start, for one regeling."""
    name = RECEIVED_AS.get(regeling.name, regeling.name)
    per_month: dict[dt.date, int] = defaultdict(int)
    per_unit: dict[dt.date, int] = defaultdict(int)
    rows = received.filter(pl.col("regeling") == name)
    for r in rows.iter_rows(named=True):
        month = attributed_month(r["period_month"], str(r["source"]), regeling.payment)
        per_month[month] += int(r["received_cents"])
        per_unit[unit_start(month, regeling.payment)] += int(r["received_cents"])
    return per_month, per_unit


JUDGED: Final = [
    s.value for s in (PaymentStatus.ONTVANGEN, PaymentStatus.DEELS, PaymentStatus.GEMIST)
]


def judge(expected: int, received: int) -> PaymentStatus:
    if received <= 0:
        return PaymentStatus.GEMIST
    tolerance = max(TOLERANCE_CENTS, expected * TOLERANCE_PCT // 100)
    return PaymentStatus.DEELS if received < expected - tolerance else PaymentStatus.ONTVANGEN


# --- per month -------------------------------------------------------------------------------

MONTHS_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "regeling": pl.String,
    "engine_status": pl.String,
    "recht": pl.Boolean,
    "reasons": pl.List(pl.String),
    "reason_texts": pl.List(pl.String),
    "expected_cents": pl.Int64,
    "received_cents": pl.Int64,
    "unit": pl.String,
    "unit_expected_cents": pl.Int64,
    "unit_received_cents": pl.Int64,
    "status": pl.String,
    "is_estimate": pl.Boolean,
}


@dataclass(frozen=True)
class _Unit:
    expected: int
    received: int
    judged: bool
    early: bool
    entitled: bool


def _already(unit: _Unit) -> bool:
    """Enough arrived for the unit although the statements do not cover its whole window (a
    bijstand window runs to the 10th of the next month): judged as received."""
    return unit.received > 0 and judge(unit.expected, unit.received) is PaymentStatus.ONTVANGEN


def _expected(row: dict[str, Any], regeling: Regeling) -> int | None:
    status = Outcome(row[column(regeling.name, "status")])
    if status is Outcome.NIET_BEREKEND:
        return None
    if status is not Outcome.RECHT:
        return 0
    return int(row[column(regeling.name, "bedrag_maand_cents")] or 0)


def _unit_expected(rows: list[dict[str, Any]], regeling: Regeling) -> int:
    if regeling.payment is Payment.EENMALIG_PER_JAAR:
        years = [
            int(r[column(regeling.name, "bedrag_jaar_cents")] or 0)
            for r in rows
            if r[column(regeling.name, "status")] == Outcome.RECHT.value
        ]
        return max(years, default=0)
    return sum(_expected(r, regeling) or 0 for r in rows)


def _estimate(row: dict[str, Any], regeling: Regeling) -> bool:
    used = used_inputs(regeling)
    return bool(
        ("toetsingsinkomen_jaar" in used and row.get("toetsingsinkomen_is_schatting"))
        or ("netto_inkomen_maand" in used and row.get("netto_is_schatting"))
    )


def month_outcomes(evaluated: pl.DataFrame, data: HouseholdData, rules: Rules) -> pl.DataFrame:
    """Every month x regeling of one household (:data:`MONTHS_SCHEMA`)."""
    rows = list(evaluated.iter_rows(named=True))
    cover = data.coverage
    out: list[dict[str, Any]] = []
    texts = ReasonTexts(rules)
    for name in sorted(rules):
        regeling = rules[name]
        pay = regeling.payment
        per_month, per_unit = received_by_unit(data.received, regeling)
        groups: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            groups[unit_start(r[MONTH_COLUMN], pay)].append(r)
        units: dict[dt.date, _Unit] = {}
        for start, members in groups.items():
            first, last = window(start, pay)
            early = cover.first_day > first + dt.timedelta(days=STATEMENT_SLACK_DAYS)
            judged = not early and cover.last_day >= last
            entitled = any(r[column(name, "status")] == Outcome.RECHT.value for r in members)
            units[start] = _Unit(
                _unit_expected(members, regeling), per_unit.get(start, 0), judged, early, entitled
            )
        for r in rows:
            month = r[MONTH_COLUMN]
            start = unit_start(month, pay)
            unit = units[start]
            engine = Outcome(r[column(name, "status")])
            if engine is not Outcome.RECHT:
                status = ENGINE_STATUS[engine]
            elif name in INVISIBLE:
                status = PaymentStatus.NIET_ZICHTBAAR
            elif (unit.early or not unit.judged) and not _already(unit):
                early = unit.early
                status = PaymentStatus.GEEN_AFSCHRIFTEN if early else PaymentStatus.NOG_NIET
            else:
                status = judge(unit.expected, unit.received)
            out.append(
                {
                    "household": data.code,
                    "month": month,
                    "regeling": name,
                    "engine_status": engine.value,
                    "recht": r[column(name, "recht")],
                    "reasons": list(reason_names(regeling, int(r[column(name, "redenen")]))),
                    "reason_texts": texts(r, name),
                    "expected_cents": _expected(r, regeling),
                    "received_cents": per_month.get(month, 0),
                    "unit": unit_label(start, pay),
                    "unit_expected_cents": unit.expected,
                    "unit_received_cents": unit.received,
                    "status": status.value,
                    "is_estimate": _estimate(r, regeling),
                }
            )
    return pl.DataFrame(out, schema=MONTHS_SCHEMA, orient="row")


def reason_key(row: dict[str, Any], regeling: Regeling) -> tuple[str, int, tuple[str, ...]]:
    """Rows with the same failed conditions and the same missing facts share their reasons."""
    absent = tuple(
        INPUTS[n].column for n in sorted(used_inputs(regeling)) if row.get(INPUTS[n].column) is None
    )
    return regeling.name, int(row[column(regeling.name, "redenen")]), absent


class ReasonTexts:
    """Dutch reasons per :func:`reason_key`, from the derivation of the first such month (a
    derivation per distinct key, not per row)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.cache: dict[tuple[str, int, tuple[str, ...]], list[str]] = {}

    def __call__(self, row: dict[str, Any], name: str) -> list[str]:
        if not row[column(name, "redenen")]:
            return []
        key = reason_key(row, self.rules[name])
        found = self.cache.get(key)
        if found is None:
            found = [text for _code, text in explain(self.rules, row, name).reasons]
            self.cache[key] = found
        return found


# --- per year and missed ---------------------------------------------------------------------

YEAR_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "year": pl.Int32,
    "regeling": pl.String,
    "title": pl.String,
    "months_recht": pl.Int32,
    "months_niet_berekend": pl.Int32,
    "expected_year_cents": pl.Int64,
    "received_year_cents": pl.Int64,
    "judged_units": pl.Int32,
    "received_judged_cents": pl.Int64,
    "complete": pl.Boolean,
    "is_estimate": pl.Boolean,
    "statuses": pl.List(pl.String),
}


def year_outcomes(months: pl.DataFrame, rules: Rules, year: int) -> pl.DataFrame:
    """Per household x regeling: the year's expected and received totals and statuses."""
    summary: list[dict[str, Any]] = []
    for (household, name), part in months.group_by("household", "regeling", maintain_order=True):
        regeling = rules[str(name)]
        units = part.unique("unit", keep="first", maintain_order=True)
        judged = part.filter(pl.col("status").is_in(JUDGED)).unique("unit", maintain_order=True)
        statuses = part["status"].unique(maintain_order=True).to_list()
        summary.append(
            {
                "household": household,
                "year": year,
                "regeling": name,
                "title": regeling.title,
                "months_recht": int((part["engine_status"] == Outcome.RECHT.value).sum()),
                "months_niet_berekend": int(
                    (part["engine_status"] == Outcome.NIET_BEREKEND.value).sum()
                ),
                "expected_year_cents": int(units["unit_expected_cents"].sum()),
                "received_year_cents": int(units["unit_received_cents"].sum()),
                "judged_units": judged.height,
                "received_judged_cents": int(judged["unit_received_cents"].sum()),
                "complete": bool(part["expected_cents"].is_not_null().all()),
                "is_estimate": bool(part["is_estimate"].any()),
                "statuses": statuses,
            }
        )
    return pl.DataFrame(summary, schema=YEAR_SCHEMA, orient="row")


MISSED_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "year": pl.Int32,
    "regeling": pl.String,
    "title": pl.String,
    "expected_year_cents": pl.Int64,
    "months_recht": pl.Int32,
    "is_estimate": pl.Boolean,
    "what_to_do": pl.String,
}


def missed(years: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Regelingen the household is entitled to for a material amount and receives nothing of."""
    rows = years.filter(
        (pl.col("judged_units") > 0)
        & (pl.col("received_judged_cents") == 0)
        & (pl.col("received_year_cents") == 0)
        & (pl.col("expected_year_cents") >= MATERIAL_YEAR_CENTS)
        & ~pl.col("regeling").is_in(list(INVISIBLE))
    )
    return rows.with_columns(
        pl.col("regeling")
        .map_elements(lambda n: what_to_do(rules[n]), return_dtype=pl.String)
        .alias("what_to_do")
    ).select([pl.col(n).cast(t) for n, t in MISSED_SCHEMA.items()])
