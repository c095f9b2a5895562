"""The dashboard's reads from the store, each a small function a page callback calls once.

Pages never query the database themselves; they call these, which call the store and the
budget modules exactly as the command line does (``hhb overview``), so the dashboard and the
CLI cannot disagree about a number.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import polars as pl
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.categories import FIXED_COST_RUBRIEKEN, INCOME_RUBRIEKEN, Rubriek
from budget.forecast import forecast
from budget.overview import MonthOverview, month_overview
from budget.plan_household import HouseholdBudget, NoBudgetData, household_budget
from budget.recurring import detect_recurring
from budget.schedule import expected_days, prepare
from budget.signals import Signal, attach_rubriek, household_context, household_signals
from dashboard.context import principal
from ingest.profile import HouseholdProfile
from reports.aggregates import Aggregates, Level, aggregate
from reports.disclosure import Use, rules_for
from reports.export import write_export
from reports.facts import HouseholdFacts
from reports.facts_snapshot import FACTS_FORMAT
from reports.facts_snapshot import latest as latest_facts
from store.classification import classified_transactions
from store.facts_snapshots import data_years, inputs_version, snapshots
from store.households import get_household
from store.models import (
    AuditEvent,
    Import,
    Transaction,
)
from store.profiles import profile_for_month
from store.signal_settings import get_settings
from store.statement_dates import StatementDates, statement_dates
from store.transactions import balance_at_start, month_bounds

MAX_MONTHS = 36
"""The longest range of the month overview at once (as ``hhb overview``)."""


class RangeError(ValueError):
    """A month range the user chose cannot be shown; the message is for the user."""


def first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


def next_month(value: dt.date) -> dt.date:
    return (value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    months = [first_of_month(first)]
    while months[-1] < first_of_month(last):
        months.append(next_month(months[-1]))
    return tuple(months)


def data_months(session: Session, household_code: str) -> tuple[dt.date, ...]:
    """Every month from the first to the last booked transaction (empty without any)."""
    household = get_household(session, household_code)
    low, high = session.execute(
        select(func.min(Transaction.booking_date), func.max(Transaction.booking_date)).where(
            Transaction.household_id == household.id, Transaction.deleted_at.is_(None)
        )
    ).one()
    if low is None or high is None:
        return ()
    return months_between(low, high)


def month_range(first: str, last: str) -> tuple[dt.date, ...]:
    """Parse a ``JJJJ-MM`` range as the overview needs it, with Dutch reasons to refuse."""
    try:
        start, _ = month_bounds(first)
        end, _ = month_bounds(last)
    except ValueError as exc:
        raise RangeError(str(exc)) from None
    if end < start:
        raise RangeError("de laatste maand ligt voor de eerste")
    months = months_between(start, end)
    if len(months) > MAX_MONTHS:
        raise RangeError(f"kies hoogstens {MAX_MONTHS} maanden tegelijk")
    return months


def overview(session: Session, household_code: str, months: tuple[dt.date, ...]) -> MonthOverview:
    """The Huishoudboekje month table, computed as ``hhb overview`` does."""
    end = month_bounds(f"{months[-1]:%Y-%m}")[1]
    classified = classified_transactions(session, household_code, months[0], end)
    opening = balance_at_start(session, household_code, months[0])
    return month_overview(household_code, classified, months, opening)


@dataclass(frozen=True, slots=True)
class ImportRow:
    file: str
    imported_at: dt.datetime
    imported_by: str
    kind: str
    bank: str
    added: int
    duplicates: int


def recent_imports(session: Session, household_code: str, limit: int = 20) -> list[ImportRow]:
    household = get_household(session, household_code)
    rows = session.scalars(
        select(Import)
        .where(Import.household_id == household.id)
        .order_by(Import.imported_at.desc(), Import.id.desc())
        .limit(limit)
    )
    return [
        ImportRow(
            r.file_name, r.imported_at, r.imported_by, r.format, r.bank, r.n_added, r.n_duplicates
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: dt.datetime
    actor: str
    action: str
    detail: str


def audit_log(session: Session, household_id: int, limit: int | None = 200) -> list[AuditRow]:
    """The household's audit log, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.household_id == household_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [AuditRow(e.at, e.actor, e.action, e.detail) for e in session.scalars(query)]


# --- Mijn maand ------------------------------------------------------------------------------

MONTH_FLOW_MONTHS = 12
"""How many months the income / fixed costs / leefgeld chart goes back (the month included)."""
FORECAST_MONTHS = 12


@dataclass(frozen=True, slots=True)
class Payment:
    """One booked payment, or one expected payment of a recurring series."""

    day: dt.date
    label: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class MonthFlow:
    month: dt.date
    income_cents: int
    fixed_costs_cents: int
    """Money out on the fixed-cost rubrieken, as a positive amount."""
    leefgeld_cents: int
    """Money out on the rubriek leefgeld, as a positive amount."""


@dataclass(frozen=True, slots=True)
class BalancePoint:
    day: dt.date
    balance_cents: int
    low_cents: int | None = None
    high_cents: int | None = None


@dataclass(frozen=True, slots=True)
class MonthView:
    """Everything "Mijn maand" shows, for one household and month as it stood on ``as_of``.

    Definitions (also shown on the page):

    - income: money in on the income rubrieken (:data:`budget.categories.INCOME_RUBRIEKEN`) from
      the first of the month up to ``as_of``;
    - fixed costs paid: money out on the fixed-cost rubrieken
      (:data:`budget.categories.FIXED_COST_RUBRIEKEN`) in the same days;
    - fixed costs still to come: the expected dates after ``as_of`` up to the month's end of
      every recurring fixed-cost series that has not ended, at its newest amount, counted the
      way :func:`budget.forecast.forecast` counts them (a payment due but still within its
      tolerance comes now; a missed one is not assumed to come late);
    - leefgeld left this week: the leefgeld per week of the budget of the last complete month
      (:func:`budget.plan_household.household_budget`) minus the money out on the rubriek
      leefgeld from Monday of ``as_of``'s week up to ``as_of`` (the same money the budget counts
      as leefgeld paid);
    - saldo: the balance over all accounts at the end of ``as_of`` (None when no statement
      states a balance).
    """

    household: str
    month: dt.date
    as_of: dt.date
    income: tuple[Payment, ...]
    fixed_paid: tuple[Payment, ...]
    fixed_due: tuple[Payment, ...]
    budget: HouseholdBudget | None
    budget_missing: str | None
    week_start: dt.date
    leefgeld_spent_week_cents: int
    balance_cents: int | None
    signals: tuple[Signal, ...]
    flows: tuple[MonthFlow, ...]
    history: tuple[BalancePoint, ...]
    forecast: tuple[BalancePoint, ...]

    @property
    def income_cents(self) -> int:
        return sum(p.amount_cents for p in self.income)

    @property
    def fixed_paid_cents(self) -> int:
        return -sum(p.amount_cents for p in self.fixed_paid)

    @property
    def fixed_due_cents(self) -> int:
        return -sum(p.amount_cents for p in self.fixed_due)

    @property
    def leefgeld_left_week_cents(self) -> int | None:
        if self.budget is None:
            return None
        return self.budget.leefgeld_week_cents - self.leefgeld_spent_week_cents


class NoMonthData(ValueError):
    """The household has no statements (for that month); the message is for the user."""


def statements_end(session: Session, household_code: str) -> tuple[dt.date | None, StatementDates]:
    """The last day the statements cover (None without transactions), as ``hhb signals`` reads
    it (:meth:`store.statement_dates.StatementDates.data_until`), and the statement dates."""
    household = get_household(session, household_code)
    booked = session.scalar(
        select(func.max(Transaction.booking_date)).where(
            Transaction.household_id == household.id, Transaction.deleted_at.is_(None)
        )
    )
    dates = statement_dates(session, household_code)
    return (None if booked is None else dates.data_until(booked)), dates


def _payments(frame: pl.DataFrame, label: str = "counterparty_name") -> tuple[Payment, ...]:
    rows = frame.sort("booking_date", "amount_cents").select(
        "booking_date", pl.col(label).fill_null("onbekende tegenpartij"), "amount_cents"
    )
    return tuple(Payment(d, str(n), int(a)) for d, n, a in rows.iter_rows())


def fixed_costs_due(
    series: pl.DataFrame,
    as_of: dt.date,
    month_end: dt.date,
    next_dates: pl.DataFrame | None = None,
) -> list[Payment]:
    """The expected payments of live fixed-cost series after ``as_of`` up to ``month_end``.

    The rule for a date already due is :func:`budget.forecast.forecast`'s (``_future``): an
    active series whose payment is due but within its tolerance pays on the next day, an
    overdue one is not assumed to come late, an ended one adds nothing; a date already paid
    (early) is not due again (the forecast's ``next_dates``).
    """
    table = prepare(series).frame.filter(
        pl.col("fixed") & (pl.col("sign") < 0) & (pl.col("status") != "ended")
    )
    if next_dates is not None and table.height:
        moved = next_dates.select("series", d2=pl.col("next_date").cast(pl.Int32).cast(pl.Int64))
        table = (
            table.join(moved, on="series", how="left", maintain_order="left")
            .with_columns(d1=pl.coalesce("d2", "d1"))
            .drop("d2")
        )
    if table.height == 0 or as_of >= month_end:
        return []
    first = (as_of - dt.date(1970, 1, 1)).days + 1
    last = (month_end - dt.date(1970, 1, 1)).days
    kind, d1 = table["kind"].to_numpy(), table["d1"].to_numpy()
    active = (table["status"] == "active").to_numpy()
    start = np.where(active, d1, np.maximum(d1, first))
    end = np.full(len(kind), last, dtype=np.int64)
    row, day, _ = expected_days(kind, d1, start, end)
    day = np.maximum(day, first)
    labels, amounts = table["label"].to_list(), table["amount"].to_list()
    due = [
        Payment(dt.date(1970, 1, 1) + dt.timedelta(days=int(d)), labels[r], int(amounts[r]))
        for r, d in zip(row.tolist(), day.tolist(), strict=True)
    ]
    return sorted(due, key=lambda p: (p.day, p.label))


def _flows(classified: pl.DataFrame, months: tuple[dt.date, ...]) -> tuple[MonthFlow, ...]:
    first = months[0]
    frame = classified.filter(pl.col("booking_date") >= first).with_columns(
        month=pl.col("booking_date").dt.truncate("1mo"),
        r=pl.col("rubriek").cast(pl.String),
    )
    sums = frame.group_by("month").agg(
        income=pl.col("amount_cents")
        .filter((pl.col("amount_cents") > 0) & pl.col("r").is_in(_INCOME))
        .sum(),
        fixed=-pl.col("amount_cents")
        .filter((pl.col("amount_cents") < 0) & pl.col("r").is_in(_FIXED))
        .sum(),
        leefgeld=-pl.col("amount_cents")
        .filter((pl.col("amount_cents") < 0) & (pl.col("r") == Rubriek.LEEFGELD.value))
        .sum(),
    )
    found = {m: (int(i), int(f), int(lg)) for m, i, f, lg in sums.iter_rows()}
    return tuple(MonthFlow(m, *found.get(m, (0, 0, 0))) for m in months)


def _history(
    classified: pl.DataFrame, months: tuple[dt.date, ...], as_of: dt.date, balance: int | None
) -> tuple[BalancePoint, ...]:
    """The balance at each past month end, worked back from the balance at ``as_of``."""
    if balance is None:
        return ()
    amounts = classified.select("booking_date", "amount_cents")
    points = []
    for m in months:
        end = min(next_month(m) - dt.timedelta(days=1), as_of)
        later = amounts.filter(pl.col("booking_date") > end)["amount_cents"].sum()
        points.append(BalancePoint(end, balance - int(later)))
    return tuple(points)


_INCOME = [r.value for r in INCOME_RUBRIEKEN]
_FIXED = [r.value for r in FIXED_COST_RUBRIEKEN]


def month_view(
    session: Session, household_code: str, month: dt.date | None = None, *,
    until: dt.date | None = None,
) -> MonthView:  # fmt: skip
    """The month (default: the last month of the statements) as it stood at its end, at the
    last statement day if that comes first, or at ``until`` if that comes earlier still."""
    last, dates = statements_end(session, household_code)
    if last is None:
        raise NoMonthData("er zijn nog geen transacties voor dit huishouden")
    first = first_of_month(month or last)
    if first > last:
        raise NoMonthData(
            f"de afschriften lopen tot en met {last:%d-%m-%Y}; over {first:%m-%Y} is nog "
            "niets bekend"
        )
    month_end = next_month(first) - dt.timedelta(days=1)
    as_of = min(month_end, last, until or month_end)
    classified = classified_transactions(session, household_code, None, as_of)
    if classified.height == 0:
        raise NoMonthData(f"er zijn nog geen transacties tot en met {as_of:%d-%m-%Y}")
    series = attach_rubriek(detect_recurring(classified, as_of=as_of), classified)
    balance = balance_at_start(session, household_code, first)
    context = household_context(
        household_code, as_of, since=first, history_start=dates.first_opening,
        balance_date=first if balance is not None else None, balance_cents=balance,
        margins=get_settings(session, household_code).margins,
    )  # fmt: skip
    fc = forecast(series, classified, context, months=FORECAST_MONTHS)
    signals = household_signals(series, classified, context, forecast_summary=fc.summary)
    start_balance = fc.summary["start_cents"][0] if balance is not None else None

    def profile(day: dt.date) -> HouseholdProfile | None:
        return profile_for_month(session, household_code, day)

    budget, missing = None, None
    try:
        budget = household_budget(classified, household_code, None, data_until=as_of,
                                  profile=profile)  # fmt: skip
    except NoBudgetData as exc:
        missing = str(exc)
    in_month = classified.filter(pl.col("booking_date") >= first)
    rubriek = pl.col("rubriek").cast(pl.String)
    week_start = as_of - dt.timedelta(days=as_of.weekday())
    spent = classified.filter(
        (pl.col("booking_date") >= week_start)
        & (rubriek == Rubriek.LEEFGELD.value)
        & (pl.col("amount_cents") < 0)
    )["amount_cents"].sum()
    data_from = classified["booking_date"].min()
    assert isinstance(data_from, dt.date)  # as_of lies on or after the first booking
    back = first.year * 12 + first.month - MONTH_FLOW_MONTHS  # months since year 0, 0-based
    shown_months = months_between(
        max(dt.date(back // 12, back % 12 + 1, 1), first_of_month(data_from)), first
    )
    future = fc.months.filter(pl.col("expected_cents").is_not_null())
    return MonthView(
        household=household_code,
        month=first,
        as_of=as_of,
        income=_payments(in_month.filter((pl.col("amount_cents") > 0) & rubriek.is_in(_INCOME))),
        fixed_paid=_payments(in_month.filter((pl.col("amount_cents") < 0) & rubriek.is_in(_FIXED))),
        fixed_due=tuple(fixed_costs_due(series, as_of, month_end, fc.next_dates)),
        budget=budget,
        budget_missing=missing,
        week_start=week_start,
        leefgeld_spent_week_cents=-int(spent),
        balance_cents=None if start_balance is None else int(start_balance),
        signals=signals,
        flows=_flows(classified, shown_months),
        history=_history(classified, shown_months, as_of, start_balance),
        forecast=tuple(
            BalancePoint(end, int(e), lo, hi)
            for end, e, lo, hi in future.select(
                "month_end", "expected_cents", "low_cents", "high_cents"
            ).iter_rows()
        ),
    )


# --- Analyst: aggregates, only through the disclosure control ----------------------------------


class FactsSource(Protocol):
    """Where the analyst page gets household facts from. The store by default; a benchmark
    or a data warehouse can put another one in ``server.extensions[FACTS_SOURCE]``."""

    def years(self, session: Session, municipality: str) -> list[int]: ...

    def facts(self, session: Session, year: int, municipality: str) -> HouseholdFacts: ...

    def version(self, session: Session) -> tuple[object, ...]:
        """Changes whenever the facts may have changed (the aggregates cache key)."""
        ...


FACTS_SOURCE = "hhb.facts_source"
AGGREGATES_CACHE = "hhb.aggregates_cache"
CACHE_SIZE = 8


class StoreFacts:
    """Facts from the database: the last kept batch run of :mod:`reports.facts_snapshot`
    (``hhb facts refresh``, nightly), computed on the click only when there is none, so a click
    never waits for a whole municipality; :func:`analyst_facts_state` tells the page when they
    were computed and whether the data changed since."""

    def years(self, session: Session, municipality: str) -> list[int]:
        return data_years(session)[::-1]

    def facts(self, session: Session, year: int, municipality: str) -> HouseholdFacts:
        return latest_facts(session, municipality, year, principal().username).facts

    def version(self, session: Session) -> tuple[object, ...]:
        """Everything the facts read (:func:`store.facts_snapshots.inputs_version`)."""
        return (inputs_version(session, FACTS_FORMAT),)


@dataclass(slots=True)
class AggregatesCache:
    """The last few disclosure-controlled results, so that switching theme or wijk does not
    run the disclosure control again; keyed by the facts' version, so new data is never
    hidden behind an old result."""

    entries: OrderedDict[tuple[object, ...], Aggregates]
    lock: threading.Lock


def facts_source() -> FactsSource:
    source: FactsSource = current_app.extensions.get(FACTS_SOURCE) or StoreFacts()
    return source


def analyst_facts_state(
    session: Session, municipality: str, year: int
) -> tuple[dt.datetime, bool] | None:
    """When the kept facts of ``municipality`` and ``year`` were computed and whether they are
    still current; None for another facts source or when none are kept."""
    if not isinstance(facts_source(), StoreFacts):
        return None
    version = inputs_version(session, FACTS_FORMAT)
    for kept_for, kept_year, made_from, _households, created in snapshots(session):
        if (kept_for, kept_year) == (municipality, year):
            moment = created if created.tzinfo else created.replace(tzinfo=dt.UTC)
            return moment, made_from == version
    return None


def analyst_years(session: Session, municipality: str) -> list[int]:
    return facts_source().years(session, municipality)


def analyst_aggregates(
    session: Session,
    municipality: str,
    year: int,
    level: Level,
    use: Use,
    tables: tuple[str, ...] | None = None,
) -> Aggregates:
    """The aggregates of one municipality and year, computed by
    :func:`reports.aggregates.aggregate` and nothing else: the page never sees the
    facts themselves. Raises :class:`NoMonthData` when no household took part that year.

    ``tables`` limits the result to the tables of one theme (default: all, as the export
    needs): the same rows as in the full result, in a fraction of the time. A cached full
    result serves a theme too."""
    source = facts_source()
    cache: AggregatesCache = current_app.extensions.setdefault(
        AGGREGATES_CACHE, AggregatesCache(OrderedDict(), threading.Lock())
    )
    base = (id(source), source.version(session), municipality, year, str(level), str(use))
    wanted = None if tables is None else tuple(sorted(set(tables)))
    key = (*base, wanted)
    with cache.lock:
        for option in (key, (*base, None)):
            found = cache.entries.get(option)
            if found is not None:
                cache.entries.move_to_end(option)
                break
    if found is None:
        facts = source.facts(session, year, municipality)
        households = facts.frame.filter(
            (pl.col("municipality") == municipality) & (pl.col("year") == year)
        ).height
        if households == 0:
            raise NoMonthData(f"geen huishoudens in gemeente {municipality} in {year}")
        found = aggregate(facts, municipality, year, level, rules_for(use), tables=wanted)
        with cache.lock:
            cache.entries[key] = found
            while len(cache.entries) > CACHE_SIZE:
                cache.entries.popitem(last=False)
    return found


def export_csv(aggregates: Aggregates) -> bytes:
    """The CSV export of :func:`reports.export.write_export`: metadata as ``#`` lines first."""
    with tempfile.TemporaryDirectory() as folder:
        path, _meta = write_export(aggregates, Path(folder) / "aggregaten.csv")
        return path.read_bytes()
