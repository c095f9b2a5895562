"""Household facts: the one row per household and year that every aggregate summarises.

The aggregates for the municipality never read transactions or profiles themselves; they read
this table, so that what is counted is defined in one place and the disclosure control sees
exactly what is published. The table is internal: it holds the household code (to join the
results of the domain modules) and is never exported; only disclosure-controlled cells leave.

Columns the database answers today are filled by :func:`build_facts` (where the household
lives, who lives there, income and regelingen received from the classified transactions).
Leefgeld against the Nibud minimum and the open signals come from the budget modules and are
added by :func:`reports.facts_budget.fill_budget` (through :func:`fill`); the right to
regelingen, niet-gebruik and expected clawbacks by
:func:`reports.facts_regelingen.fill_regelingen`. Until a column is filled it stays null and
:attr:`HouseholdFacts.unavailable` says why ("nog niet beschikbaar: ..."), so an aggregate over
it is left out visibly instead of showing zeros.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from budget.categories import Rubriek
from budget.classify import classify
from budget.signals import SignalKind
from ingest.profile import HouseholdProfile, Role
from store import bulk
from store.classification import CONTEXT_DAYS
from store.models import Household
from store.profiles import RecordedProfile


class HouseholdType(StrEnum):
    """Household composition as CBS groups it, from the profile (Awir partner, children)."""

    ALLEENSTAAND = "alleenstaand"
    EENOUDER = "eenoudergezin"
    PAAR_ZONDER_KINDEREN = "paar zonder kinderen"
    PAAR_MET_KINDEREN = "paar met kinderen"
    OVERIG = "overig meerpersoonshuishouden"


class Regeling(StrEnum):
    """The regelingen of DOMAIN.md section 4 the aggregates report on; the values are the
    names the payer registry gives them (``regeling`` of a classified transaction)."""

    ZORGTOESLAG = "zorgtoeslag"
    HUURTOESLAG = "huurtoeslag"
    KINDGEBONDEN_BUDGET = "kindgebonden_budget"
    KINDERBIJSLAG = "kinderbijslag"
    BIJSTAND = "bijstand"
    IIT = "iit"
    KWIJTSCHELDING = "kwijtschelding"


INCOME_RUBRIEKEN: Final = (
    Rubriek.INKOMEN,
    Rubriek.UITKERING,
    Rubriek.TOESLAG,
    Rubriek.KINDERBIJSLAG,
    Rubriek.STUDIEFINANCIERING,
)
"""Money in on these lines is the household's net income (besteedbaar: wages and benefits after
loonheffing, plus toeslagen and kinderbijslag). Leefgeld and transfers between own accounts are
not income: they are the same money moving."""

REGELING_FIELDS: Final = (
    ("eligible", pl.Boolean),
    ("receiving", pl.Boolean),
    ("missed", pl.Boolean),
    ("entitled_year_cents", pl.Int64),
    ("received_year_cents", pl.Int64),
    ("missed_year_cents", pl.Int64),
)


def regeling_column(regeling: Regeling, name: str) -> str:
    return f"{regeling.value}_{name}"


def signal_column(kind: SignalKind) -> str:
    return f"open_signals_{kind.value}"


def alert_column(kind: SignalKind) -> str:
    """Of :func:`signal_column`, those of severity *hoog* (``alert``)."""
    return f"open_alerts_{kind.value}"


BUDGET_COLUMNS: Final = (
    "budget_month",
    "leefgeld_month_cents",
    "nibud_minimum_month_cents",
    "leefgeld_gap_month_cents",
    "below_minimum",
)
SIGNAL_COLUMNS: Final = (
    "open_signals",
    *(signal_column(k) for k in SignalKind),
    *(alert_column(k) for k in SignalKind),
)


FACTS_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "year": pl.Int32,
    "municipality": pl.String,
    "wijk": pl.String,
    "household_type": pl.Enum([t.value for t in HouseholdType]),
    "members": pl.Int16,
    "children": pl.Int16,
    "months_observed": pl.Int16,
    "net_income_year_cents": pl.Int64,
    "income_pct_social_minimum": pl.Int32,
    "budget_month": pl.Date,
    "leefgeld_month_cents": pl.Int64,
    "nibud_minimum_month_cents": pl.Int64,
    "leefgeld_gap_month_cents": pl.Int64,
    "below_minimum": pl.Boolean,
    **{regeling_column(r, f): t for r in Regeling for f, t in REGELING_FIELDS},
    "expected_clawback_cents": pl.Int64,
    **dict.fromkeys(SIGNAL_COLUMNS, pl.Int32),
}
"""One row per household and year.

- ``household``: the household code, internal only (never in any output).
- ``municipality``/``wijk``/``household_type``/``members``/``children``: the profile at the end
  of the year, or at the end of participation when that came earlier.
- ``months_observed``: months of the year with at least one transaction; income is only a year's
  income when this is 12.
- ``net_income_year_cents``: money in on :data:`INCOME_RUBRIEKEN` in the year.
- ``income_pct_social_minimum``: net income as a percentage of the bijstandsnorm of the
  household type.
- ``budget_month``: the household's last complete month of the year (``hhb budget``'s default
  month with the statements cut at 31 December; null: no complete month in the year), and of
  that month, as ``hhb budget --month`` gives it: ``leefgeld_month_cents``, the Nibud food
  minimum ``nibud_minimum_month_cents`` (null without a profile), ``leefgeld_gap_month_cents``
  (leefgeld minus minimum; negative: short) and ``below_minimum`` whether it is negative. Per
  month, not per year: one month's budget times twelve would be a made-up year.
- per regeling: ``eligible`` (has the right), ``receiving`` (money of it arrived in the year:
  booked in the year from :func:`build_facts`, for the year as the loket attributes it once
  :mod:`reports.facts_regelingen` fills it), ``missed`` (niet-gebruik; where known it is
  eligible and not receiving); euros per year entitled, received and missed (the entitled
  amount of a missed regeling). Exact definitions: :mod:`reports.facts_regelingen`.
- ``expected_clawback_cents``: toeslag advances expected to be reclaimed for the year.
- ``open_signals``: the signals open in ``budget_month`` as ``hhb signals --month`` lists them,
  and per kind (``open_signals_<kind>``, :class:`budget.signals.SignalKind`); of those, the
  ones of severity *hoog* per kind (``open_alerts_<kind>``: a missing payment is *hoog* for
  income and fixed costs, *let op* otherwise, so the kind alone does not say how urgent).
"""

PENDING_ENTITLEMENT: Final = (
    "nog niet beschikbaar: het recht op regelingen komt uit entitlement/ "
    "(reports.facts_regelingen.fill_regelingen vult het in)"
)
PENDING: Final[dict[str, str]] = {
    "income_pct_social_minimum": (
        "nog niet beschikbaar: de bijstandsnorm per huishoudtype komt uit entitlement/"
    ),
    **dict.fromkeys(
        BUDGET_COLUMNS,
        "nog niet beschikbaar: leefgeld tegenover het Nibud-minimum komt uit budget/plan.py "
        "(reports.facts_budget.fill_budget vult het in)",
    ),
    **{
        regeling_column(r, f): PENDING_ENTITLEMENT
        for r in Regeling
        for f in ("eligible", "missed", "entitled_year_cents", "missed_year_cents")
    },
    **{
        regeling_column(Regeling.KWIJTSCHELDING, f): (
            "nog niet beschikbaar: kwijtschelding is geen betaling en staat niet op het "
            "bankafschrift; het komt uit de gemeentelijke belastingadministratie"
        )
        for f in ("receiving", "received_year_cents", "missed", "missed_year_cents")
    },
    "expected_clawback_cents": (
        "nog niet beschikbaar: de verwachte terugvordering komt uit entitlement/ "
        "(reports.facts_regelingen.fill_regelingen vult het in)"
    ),
    **dict.fromkeys(
        SIGNAL_COLUMNS,
        "nog niet beschikbaar: signalen komen uit budget/signals.py "
        "(reports.facts_budget.fill_budget vult het in)",
    ),
}
"""Why a column is still empty; :func:`build_facts` starts from this."""

SOURCES: Final[dict[str, str]] = {
    "municipality": "huishoudprofiel (gemeente)",
    "wijk": "huishoudprofiel (wijk)",
    "household_type": "huishoudprofiel (leden, toeslagpartner, kinderen)",
    "members": "huishoudprofiel (leden)",
    "children": "huishoudprofiel (kinderen)",
    "months_observed": "transacties",
    "net_income_year_cents": (
        "geclassificeerde transacties: geld in op inkomen, uitkering, toeslag, kinderbijslag "
        "en studiefinanciering"
    ),
    **{
        regeling_column(r, f): "geclassificeerde transacties: geld in met deze regeling"
        for r in Regeling
        if r is not Regeling.KWIJTSCHELDING
        for f in ("receiving", "received_year_cents")
    },
}


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    """The facts table, and for every column not yet filled the reason (Dutch)."""

    frame: pl.DataFrame
    unavailable: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)

    def available(self, *columns: str) -> bool:
        return not any(c in self.unavailable for c in columns)


def household_type(profile: HouseholdProfile, day: dt.date) -> HouseholdType:
    members = profile.members_on(day)
    partner = any(m.role is Role.TOESLAGPARTNER for m in members)
    children = any(m.role is Role.KIND for m in members)
    others = any(m.role is Role.MEDEBEWONER for m in members)
    if partner:
        return HouseholdType.PAAR_MET_KINDEREN if children else HouseholdType.PAAR_ZONDER_KINDEREN
    if children:
        return HouseholdType.EENOUDER
    return HouseholdType.OVERIG if others else HouseholdType.ALLEENSTAAND


def empty_facts() -> pl.DataFrame:
    return pl.DataFrame(schema=FACTS_SCHEMA)


def validate(frame: pl.DataFrame) -> None:
    """Check the schema and that ``missed`` means eligible and not receiving."""
    if dict(frame.schema) != FACTS_SCHEMA:
        wrong = [c for c, t in FACTS_SCHEMA.items() if frame.schema.get(c) != t]
        raise ValueError(f"household facts do not follow FACTS_SCHEMA: {wrong}")
    if frame.select(pl.struct("household", "year").is_duplicated().any()).item():
        raise ValueError("household facts hold a household twice in one year")
    for r in Regeling:
        eligible, receiving, missed = (
            pl.col(regeling_column(r, f)) for f in ("eligible", "receiving", "missed")
        )
        bad = frame.filter(missed.is_not_null() & (missed != (eligible & ~receiving)))
        if bad.height:
            raise ValueError(f"{r}: 'missed' must equal eligible and not receiving")


def fill(facts: HouseholdFacts, update: pl.DataFrame, source: str) -> HouseholdFacts:
    """Set columns from a domain module: ``update`` has ``household``, ``year`` and the columns
    it answers (in their FACTS_SCHEMA types); those columns stop being "nog niet beschikbaar".
    """
    columns = [c for c in update.columns if c not in ("household", "year")]
    unknown = [c for c in columns if c not in FACTS_SCHEMA]
    if unknown:
        raise ValueError(f"not facts columns: {unknown}")
    update = update.select(
        pl.col("household").cast(pl.String),
        pl.col("year").cast(pl.Int32),
        *(pl.col(c).cast(FACTS_SCHEMA[c]) for c in columns),
    )
    frame = (
        facts.frame.drop(columns)
        .join(update, on=["household", "year"], how="left", maintain_order="left")
        .select(list(FACTS_SCHEMA))
    )
    validate(frame)
    unavailable = {c: why for c, why in facts.unavailable.items() if c not in columns}
    sources = dict(facts.sources) | dict.fromkeys(columns, source)
    return HouseholdFacts(frame, unavailable, sources)


def _profile_for_year(
    history: list[RecordedProfile], year: int
) -> tuple[HouseholdProfile, dt.date] | None:
    """The profile that describes the household in ``year`` and its reference day: the end of
    the year, or the end of participation when that came earlier; None if it did not take part.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    known = [r for r in history if r.valid_from <= last]
    if not known:
        return None
    latest = known[-1].profile
    start, end = latest.participation.start, latest.participation.end
    if start > last or (end is not None and end < first):
        return None
    day = min(last, end) if end is not None else last
    # The situation of a month is the profile valid on its first day (store.profiles).
    month = day.replace(day=1)
    valid = [r for r in known if r.valid_from <= month] or known[:1]
    return valid[-1].profile, day


def _money_in(classified: pl.DataFrame) -> dict[str, object]:
    """Income, months observed and money received per regeling from one household's classified
    transactions (:func:`money_in_frame` does all households at once; a test holds them equal)."""
    months = classified["booking_date"].dt.month().n_unique() if classified.height else 0
    if months == 0:
        return {"months_observed": 0}
    incoming = classified.filter(pl.col("amount_cents") > 0)
    income = incoming.filter(pl.col("rubriek").cast(pl.String).is_in(list(INCOME_RUBRIEKEN)))
    out: dict[str, object] = {
        "months_observed": months,
        "net_income_year_cents": int(income["amount_cents"].sum()),
    }
    for r in Regeling:
        if r is Regeling.KWIJTSCHELDING:
            continue
        received = int(incoming.filter(pl.col("regeling") == r.value)["amount_cents"].sum())
        out[regeling_column(r, "received_year_cents")] = received
        out[regeling_column(r, "receiving")] = received > 0
    return out


def money_in_frame(classified: pl.DataFrame) -> pl.DataFrame:
    """:func:`_money_in` of every household in ``classified`` at once (households without rows
    are not in it): ``household`` and the columns ``_money_in`` answers."""
    incoming = pl.col("amount_cents") > 0
    income = incoming & pl.col("rubriek").cast(pl.String).is_in(list(INCOME_RUBRIEKEN))

    def total(where: pl.Expr) -> pl.Expr:
        return pl.when(where).then(pl.col("amount_cents")).otherwise(0).sum()

    received = {
        regeling_column(r, "received_year_cents"): total(
            incoming & (pl.col("regeling").cast(pl.String) == r.value).fill_null(False)
        )
        for r in Regeling
        if r is not Regeling.KWIJTSCHELDING
    }
    return (
        classified.lazy()
        .group_by(pl.col("household").cast(pl.String))
        .agg(
            months_observed=pl.col("booking_date").dt.month().n_unique(),
            net_income_year_cents=total(income),
            **received,
        )
        .with_columns(
            pl.col(c).gt(0).alias(regeling_column(r, "receiving"))
            for r in Regeling
            if r is not Regeling.KWIJTSCHELDING
            for c in [regeling_column(r, "received_year_cents")]
        )
        .collect()
    )


def _classified_year(session: Session, ids: dict[str, int], year: int) -> pl.DataFrame:
    """:func:`store.classification.classified_transactions` over ``year`` for many households:
    the months before it classified along, then dropped."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    frame = bulk.transactions(session, ids, start=first - dt.timedelta(days=CONTEXT_DAYS), end=last)
    out = classify(frame, bulk.rules(session, ids))
    return out.filter(pl.col("booking_date") >= first)


def build_facts(
    session: Session,
    year: int,
    municipality: str | None = None,
    *,
    households: Collection[str] | None = None,
) -> HouseholdFacts:
    """The facts of every household that took part in ``year`` (in ``municipality``, if given;
    only those of ``households``, if given: a coach's caseload) from the database, with the
    columns not yet answerable left null (see :data:`PENDING`).

    Reads every household's transactions, a chunk of households at a time (one query each,
    classified together): the caller writes one audit event for the whole run.
    """
    query = select(Household.code).order_by(Household.id)
    if households is not None:
        query = query.where(Household.code.in_(list(households)))
    codes = list(session.scalars(query))
    rows: list[dict[str, object]] = []
    for chunk in bulk.chunks(codes):
        ids = bulk.household_ids(session, chunk)
        profiles = bulk.Profiles(session, ids)
        taking_part: dict[str, dict[str, object]] = {}
        for code in chunk:
            found = _profile_for_year(profiles.history(code), year)
            if found is None:
                continue
            profile, day = found
            if municipality is not None and profile.municipality != municipality:
                continue
            members = profile.members_on(day)
            taking_part[code] = {
                "household": code,
                "year": year,
                "municipality": profile.municipality,
                "wijk": profile.wijk,
                "household_type": household_type(profile, day).value,
                "members": len(members),
                "children": sum(1 for m in members if m.role is Role.KIND),
            }
        if not taking_part:
            continue
        wanted = {c: ids[c] for c in taking_part}
        money = {
            r["household"]: r
            for r in money_in_frame(_classified_year(session, wanted, year)).iter_rows(named=True)
        }
        for code, row in taking_part.items():
            rows.append(row | money.get(code, {"months_observed": 0}) | {"household": code})
    frame = pl.DataFrame(rows, schema=FACTS_SCHEMA) if rows else empty_facts()
    validate(frame)
    return HouseholdFacts(frame, dict(PENDING), dict(SOURCES))
