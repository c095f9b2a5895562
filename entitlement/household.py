"""The engine's input for real households: one row per household x month of a year, from the store.

Why here and not in the engine: the rules only know declared input columns
(:mod:`entitlement.rules.inputs`); which facts of a household fill them, and how sure we are of
each, is a question of the data we hold:

* **situation** (partner, ages, children, persons, kostendelers, rent, vermogen, municipality,
  student) from the profile valid on the month's first day
  (:func:`store.profiles.profile_for_month`);
* **toetsingsinkomen_jaar**: the projected yearly gross of the year
  (:mod:`entitlement.income_projection`, as of the last month the statements cover), the same
  figure in every month of the year because a toeslag is a yearly right. Months of the year
  *before* the statements start get the median gross of the first three covered months, marked
  as an estimate (like the months still to come);
* **netto_inkomen_maand**: the month's net income without bijstand and the untaxed regelingen
  (bijstand tops up *other* income), from the statements for covered months, the median of the
  last three covered months for months after them (a forecast, marked), and unknown before them.

Never a guess: a fact that is not recorded (no profile, no rent, no vermogen for that year, the
multi-year income history an IIT needs, the municipal tax assessment, the municipality's
judgement of better prospects) stays null, so the engine reports that regeling for that month
as "niet berekend" and the derivation names the missing fact. Estimates are marked in columns
of their own (``toetsingsinkomen_is_schatting``, ``netto_is_schatting``) that pass through the
engine untouched.

Kostendelers (Participatiewet art 19a): members other than aanvrager and partner who are 21 or
older on the month's first day and not students; the act's other exceptions (a commercial
tenant, a lodger) are not in the profile and are not applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from entitlement.buffer import add_months
from entitlement.income import MONTHLY_INCOME_SCHEMA, income_lines, monthly_income
from entitlement.income_projection import PROJECTION_SCHEMA, project_one_as_of
from entitlement.income_store import payments_frame, persons_frame
from entitlement.money_text import month_text
from entitlement.received import decisions_frame, received_per_regeling
from entitlement.rules.inputs import MONTH_COLUMN, input_schema
from ingest.profile import HouseholdProfile
from ingest.profile.model import Role, age_of
from store.classification import CONTEXT_DAYS, classified_transactions
from store.households import NotFoundError, get_household
from store.models import Account, StatementRow, Transaction
from store.profiles import profile_history

KOSTENDELER_AGE: Final = 21
RECENT_MONTHS: Final = 3
NOT_OTHER_INCOME: Final = frozenset({"bijstand"})
"""Taxable income that is not 'other income' for the bijstand top-up (bijstand itself)."""

PROFILE_COLUMNS: Final = (
    "partner", "leeftijd", "leeftijd_partner", "kinderen_leeftijden", "aantal_personen",
    "kostendelers", "kale_huur_cents", "servicekosten_cents", "vermogen_cents", "gemeente",
    "student", "inkomen_pct_norm_3j", "inkomen_pct_norm_5j", "uitzicht_op_beter_inkomen",
    "gemeentelijke_belastingen_jaar_cents",
)  # fmt: skip


def year_months(year: int) -> list[dt.date]:
    return [dt.date(year, m, 1) for m in range(1, 13)]


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def profile_inputs(profile: HouseholdProfile | None, month: dt.date) -> dict[str, Any]:
    """The situation columns of one household-month; every unknown fact is None."""
    out: dict[str, Any] = dict.fromkeys(PROFILE_COLUMNS)
    if profile is None:
        return out
    day = month.replace(day=1)
    members = profile.members_on(day)
    applicant = profile.applicant
    partner = next((m for m in members if m.role is Role.TOESLAGPARTNER), None)
    others = [m for m in members if m.role in (Role.KIND, Role.MEDEBEWONER)]
    out.update(
        partner=partner is not None,
        leeftijd=age_of(applicant, day),
        leeftijd_partner=age_of(partner, day) if partner else 0,
        kinderen_leeftijden=list(profile.children_ages(day)),
        aantal_personen=len(members),
        kostendelers=sum(1 for m in others if age_of(m, day) >= KOSTENDELER_AGE and not m.student),
        vermogen_cents=profile.wealth_in(day.year),
        gemeente=profile.municipality,
        student=applicant.student,
    )
    if profile.rent is not None:
        out.update(
            kale_huur_cents=profile.rent.bare_rent_cents,
            servicekosten_cents=profile.rent.service_costs_cents,
        )
    return out


def profile_frame(
    rows: Iterable[tuple[str, dt.date, HouseholdProfile | None]],
) -> pl.DataFrame:
    """Situation columns for many household-months at once (``household``, ``month``, ...)."""
    schema = input_schema()
    full: dict[str, pl.DataType | type[pl.DataType]] = {"household": pl.String, "month": pl.Date}
    full.update({c: schema[c] for c in PROFILE_COLUMNS})
    data = [
        {"household": code, "month": month, **profile_inputs(profile, month)}
        for code, month, profile in rows
    ]
    return pl.DataFrame(data, schema=full, orient="row")


@dataclass(frozen=True)
class Coverage:
    """Which days the household's statements cover, and so which months are complete."""

    first_day: dt.date
    last_day: dt.date

    def covers(self, month: dt.date) -> bool:
        # A statement that starts on the first working days of a month still covers it.
        return self.first_day <= month + dt.timedelta(days=4) and month_end(month) <= self.last_day

    @property
    def first_month(self) -> dt.date:
        start = self.first_day.replace(day=1)
        return start if self.covers(start) else add_months(start, 1)

    @property
    def last_month(self) -> dt.date:
        end = self.last_day.replace(day=1)
        return end if self.covers(end) else add_months(end, -1)

    def text(self) -> str:
        return f"afschriften van {self.first_day:%d-%m-%Y} t/m {self.last_day:%d-%m-%Y}"


@dataclass(frozen=True)
class HouseholdData:
    """What the store holds about one household for one year, read once.

    ``monthly`` is :data:`entitlement.income.MONTHLY_INCOME_SCHEMA` for the covered months from
    January of the year before; ``other_net`` the net income without bijstand per covered month.
    """

    code: str
    year: int
    coverage: Coverage
    profiles: dict[dt.date, HouseholdProfile | None]
    monthly: pl.DataFrame
    other_net: dict[dt.date, int]
    received: pl.DataFrame
    decisions: pl.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def as_of(self) -> dt.date:
        """The last complete month the statements show (the projection's as-of month)."""
        return self.coverage.last_month


def coverage_of(session: Session, code: str) -> Coverage:
    household = get_household(session, code)
    tx = session.execute(
        select(func.min(Transaction.booking_date), func.max(Transaction.booking_date)).where(
            Transaction.household_id == household.id, Transaction.deleted_at.is_(None)
        )
    ).one()
    st = session.execute(
        select(func.min(StatementRow.opening_date), func.max(StatementRow.closing_date))
        .join(Account, Account.id == StatementRow.account_id)
        .where(Account.household_id == household.id)
    ).one()
    if tx[0] is None:
        raise NotFoundError(
            f"huishouden {code!r} heeft nog geen transacties; importeer eerst afschriften"
        )
    first: dt.date = tx[0]
    last: dt.date = tx[1]
    if st[0] is not None:  # the opening balance is stated at the end of that day
        first = min(first, st[0] + dt.timedelta(days=1))
    if st[1] is not None:
        last = max(last, st[1])
    return Coverage(first, last)


def load_household(
    session: Session, code: str, year: int, *, classified: pl.DataFrame | None = None
) -> HouseholdData:
    """Read one household's profile per month, income, received money and decisions.

    ``classified``: the household's whole history as ``classified_transactions(session, code)``
    gives it, from a caller that read it already; used only when it holds no transaction outside
    the window read here (then it is exactly what would be read), read again otherwise.
    """
    coverage = coverage_of(session, code)
    if coverage.last_month < dt.date(year - 1, 1, 1) or coverage.first_day > dt.date(year, 12, 31):
        raise NotFoundError(
            f"de {coverage.text()} van {code!r} zeggen niets over {year}; kies een ander jaar"
        )
    if coverage.last_month < coverage.first_month:
        raise NotFoundError(f"de {coverage.text()} van {code!r} bevatten geen volledige maand")
    start = max(dt.date(year - 1, 1, 1), coverage.first_month)
    end = min(dt.date(year, 12, 31), month_end(coverage.last_month))
    months = year_months(year)
    profiles = _profiles_per_month(session, code, months)
    notes: list[str] = []
    if all(p is None for p in profiles.values()):
        notes.append("geen profiel vastgelegd: de regelingen zijn niet te berekenen")
    monthly = pl.DataFrame(schema=MONTHLY_INCOME_SCHEMA)
    other_net: dict[dt.date, int] = {}
    # Toeslagen for January are paid in December, kinderbijslag for Q4 in January after, bijstand
    # for December up to 10 January (entitlement.payment_window): the received money is read
    # from December before to January after. The transactions are read and classified once.
    r_start, r_end = dt.date(year - 1, 12, 1), dt.date(year + 1, 1, 31)
    read_start = min(start, r_start) if start <= end else r_start
    read_end = max(end, r_end)
    classified_all = _window(classified, read_start, read_end)
    if classified_all is None:
        classified_all = classified_transactions(session, code, read_start, read_end)
    payments_all = payments_frame(session, code, read_start, read_end)
    if start <= end:
        classified = _between(classified_all, "booking_date", start, end)
        payments = _between(payments_all, "payment_date", start, end)
        lines = income_lines(classified, payments, persons_frame(session, code, end))
        monthly = monthly_income(lines, [code], start, end)
        other = (
            lines.filter(~pl.col("regeling").fill_null("").is_in(list(NOT_OTHER_INCOME)))
            .group_by("month")
            .agg(pl.col("net_cents").sum())
        )
        found = dict(zip(other["month"].to_list(), other["net_cents"].to_list(), strict=True))
        for m in _months_between(start, end):
            other_net[m] = int(found.get(m, 0))
    received = received_per_regeling(
        _between(classified_all, "booking_date", r_start, r_end),
        _between(payments_all, "payment_date", r_start, r_end),
    )
    return HouseholdData(
        code=code,
        year=year,
        coverage=coverage,
        profiles=profiles,
        monthly=monthly,
        other_net=other_net,
        received=received,
        decisions=decisions_frame(session, code),
        notes=tuple(notes),
    )


def _window(classified: pl.DataFrame | None, start: dt.date, end: dt.date) -> pl.DataFrame | None:
    """``classified_transactions(session, code, start, end)`` from the whole classified history,
    when that history is all inside what that call classifies (``start`` less the context days
    up to ``end``); None when it is not, or not given."""
    if classified is None:
        return None
    dates = classified.get_column("booking_date")
    first, last = dates.min(), dates.max()
    earliest = start - dt.timedelta(days=CONTEXT_DAYS)
    if (
        isinstance(first, dt.date)
        and isinstance(last, dt.date)
        and (first < earliest or last > end)
    ):
        return None
    return classified.filter(pl.col("booking_date") >= start)


def _between(frame: pl.DataFrame, date_column: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    return frame.filter(pl.col(date_column).is_between(start, end))


def _profiles_per_month(
    session: Session, code: str, months: list[dt.date]
) -> dict[dt.date, HouseholdProfile | None]:
    """:func:`store.profiles.profile_for_month` for every month, from one read of the history
    (the latest recording of the latest version starting by the month's first day)."""
    history = profile_history(session, code)
    out: dict[dt.date, HouseholdProfile | None] = {}
    for month in months:
        valid = [r for r in history if r.valid_from <= month]
        out[month] = valid[-1].profile if valid else None
    return out


def _months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], start.replace(day=1)
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def median_cents(values: Sequence[int]) -> int:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) // 2


def filled_monthly(data: HouseholdData) -> tuple[pl.DataFrame, str | None]:
    """The monthly income with the year's months before the statements filled in as estimates
    (median gross and net of the first three covered months); the note says so."""
    months_before = [
        m for m in year_months(data.year) if m < data.coverage.first_month and m <= data.as_of
    ]
    if not months_before or data.monthly.height == 0:
        return data.monthly, None
    first = data.monthly.sort("month").head(RECENT_MONTHS)
    gross = first["gross_cents"].to_list()
    if any(g is None for g in gross):
        return data.monthly, None  # the projection reports the unknown gross itself
    level_gross = median_cents([int(g) for g in gross])
    level_net = median_cents([int(n) for n in first["net_cents"].to_list()])
    span = f"{month_text(months_before[0])} t/m {month_text(months_before[-1])}"
    text = (
        f"geen afschriften over {span}: geschat op het niveau van de eerste "
        f"{first.height} maand(en) met afschriften"
    )
    rows = pl.DataFrame(
        {
            "household": [data.code] * len(months_before),
            "month": months_before,
            "net_cents": [level_net] * len(months_before),
            "gross_cents": [level_gross] * len(months_before),
            "source": ["geschat uit netto"] * len(months_before),
            "is_estimate": [True] * len(months_before),
            "explanation": [text] * len(months_before),
            "problem": [None] * len(months_before),
        },
        schema=MONTHLY_INCOME_SCHEMA,
    )
    return pl.concat([rows, data.monthly]).sort("month"), text


def projection(
    data: HouseholdData, extra_gross: dict[dt.date, int] | None = None
) -> dict[str, Any]:
    """The year's projected toetsingsinkomen (:data:`PROJECTION_SCHEMA` as a dict).

    ``extra_gross`` adds a gross change to the months of the year from a month on (what-if):
    to the known months it is added, and to the months still to come it is added on top of
    the projection's level, so the change counts once per month.
    """
    monthly, filled = filled_monthly(data)
    as_of = min(data.as_of, dt.date(data.year, 12, 1))
    if monthly.height == 0:
        row: dict[str, Any] = dict.fromkeys(PROJECTION_SCHEMA)
        row.update(
            household=data.code,
            year=data.year,
            as_of=as_of,
            problem="geen inkomensgegevens",
            explanation=f"Toetsingsinkomen {data.year} niet te berekenen: geen afschriften",
        )
        return row
    frame = project_one_as_of(monthly, data.year, as_of)
    row = frame.row(0, named=True)
    if filled is not None and row["problem"] is None:
        row["is_estimate"] = True
        row["explanation"] = f"{row['explanation']} (Let op: {filled}.)"
    if extra_gross and row["projected_cents"] is not None:
        change = sum(v for m, v in extra_gross.items() if m.year == data.year)
        for key in ("projected_cents", "low_cents", "high_cents"):
            row[key] = max(0, int(row[key]) + change)
        row["is_estimate"] = True
    return row


def net_per_month(
    data: HouseholdData, change: dict[dt.date, int] | None = None
) -> dict[dt.date, tuple[int | None, bool]]:
    """Net income without bijstand per month of the year, and whether it is an estimate."""
    covered = [m for m in sorted(data.other_net) if data.coverage.covers(m)]
    recent = [data.other_net[m] for m in covered[-RECENT_MONTHS:]]
    level = median_cents(recent) if recent else None
    out: dict[dt.date, tuple[int | None, bool]] = {}
    for m in year_months(data.year):
        if m in data.other_net and data.coverage.covers(m):
            value: int | None = data.other_net[m]
            estimate = False
        elif m > data.as_of:
            value, estimate = level, True
        else:
            value, estimate = None, False
        if value is not None and change and m in change:
            value = max(0, value + change[m])
        out[m] = (value, estimate)
    return out


def input_frame(
    data: HouseholdData,
    *,
    net_change: dict[dt.date, int] | None = None,
    gross_change: dict[dt.date, int] | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The engine input for the household's twelve months, and the projection it used."""
    months = year_months(data.year)
    situation = profile_frame((data.code, m, data.profiles.get(m)) for m in months)
    proj = projection(data, gross_change)
    nets = net_per_month(data, net_change)
    income = pl.DataFrame(
        {
            "month": months,
            "toetsingsinkomen_jaar_cents": [proj["projected_cents"]] * 12,
            "netto_inkomen_maand_cents": [nets[m][0] for m in months],
            "toetsingsinkomen_is_schatting": [bool(proj["is_estimate"])] * 12,
            "netto_is_schatting": [nets[m][1] for m in months],
            "statements_cover_month": [data.coverage.covers(m) for m in months],
        },
        schema={
            "month": pl.Date,
            "toetsingsinkomen_jaar_cents": pl.Int64,
            "netto_inkomen_maand_cents": pl.Int64,
            "toetsingsinkomen_is_schatting": pl.Boolean,
            "netto_is_schatting": pl.Boolean,
            "statements_cover_month": pl.Boolean,
        },
    )
    frame = situation.join(income, on=MONTH_COLUMN, how="left")
    return frame, proj
