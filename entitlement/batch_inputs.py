"""The engine inputs of many households: read from the store a chunk at a time and stacked.

:func:`load_households` is :func:`entitlement.household.load_household` for a chunk of
households: the store rows come from :mod:`store.bulk` and :mod:`store.bulk_benefits` (one
query per table), the chunk is classified once and its income computed once.
:func:`chunk_inputs` stacks what :func:`entitlement.household.input_frame` makes for each
household, for the one engine run of :func:`entitlement.batch.evaluate_chunk`.
``tests/reports/test_facts_regelingen_batch.py`` holds both equal to the one-household path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from budget.classify import classify
from entitlement.household import (
    NOT_OTHER_INCOME,
    Coverage,
    HouseholdData,
    _months_between,
    filled_monthly,
    month_end,
    net_per_month,
    profile_frame,
    projection,
    year_months,
)
from entitlement.income import MONTHLY_INCOME_SCHEMA, PERSON_SCHEMA, income_lines, monthly_income
from entitlement.income_projection import project_one_as_of
from entitlement.received import DECISION_SCHEMA, RECEIVED_SCHEMA, received_per_regeling
from entitlement.rules.inputs import MONTH_COLUMN
from ingest.profile import HouseholdProfile
from ingest.profile.model import Role
from store import bulk, bulk_benefits
from store.classification import CONTEXT_DAYS


def projections(datas: Sequence[HouseholdData]) -> dict[str, dict[str, Any]]:
    """:func:`entitlement.household.projection` of many households: one
    :func:`~entitlement.income_projection.project_one_as_of` per as-of month, not per household."""
    out: dict[str, dict[str, Any]] = {}
    groups: dict[tuple[int, dt.date], list[tuple[HouseholdData, pl.DataFrame, str | None]]] = {}
    for data in datas:
        monthly, filled = filled_monthly(data)
        if monthly.height == 0:
            out[data.code] = projection(data)  # the "geen inkomensgegevens" row
            continue
        as_of = min(data.as_of, dt.date(data.year, 12, 1))
        groups.setdefault((data.year, as_of), []).append((data, monthly, filled))
    for (year, as_of), members in groups.items():
        frame = project_one_as_of(pl.concat([m for _d, m, _f in members]), year, as_of)
        rows = {row["household"]: row for row in frame.iter_rows(named=True)}
        for data, _monthly, filled in members:
            row = rows[data.code]
            if filled is not None and row["problem"] is None:
                row["is_estimate"] = True
                row["explanation"] = f"{row['explanation']} (Let op: {filled}.)"
            out[data.code] = row
    return out


def chunk_inputs(datas: Sequence[HouseholdData]) -> tuple[pl.DataFrame, dict[str, dict[str, Any]]]:
    """:func:`entitlement.household.input_frame` of many households, stacked (household by
    household, twelve months each), and the projection of each."""
    situation = profile_frame(
        (d.code, m, d.profiles.get(m)) for d in datas for m in year_months(d.year)
    )
    projected = projections(datas)
    rows: list[tuple[object, ...]] = []
    for data in datas:
        proj = projected[data.code]
        nets = net_per_month(data)
        covers = data.coverage.covers
        for m in year_months(data.year):
            rows.append(
                (
                    data.code, m, proj["projected_cents"], nets[m][0],
                    bool(proj["is_estimate"]), nets[m][1], covers(m),
                )
            )  # fmt: skip
    income = pl.DataFrame(
        rows,
        schema={
            "household": pl.String,
            "month": pl.Date,
            "toetsingsinkomen_jaar_cents": pl.Int64,
            "netto_inkomen_maand_cents": pl.Int64,
            "toetsingsinkomen_is_schatting": pl.Boolean,
            "netto_is_schatting": pl.Boolean,
            "statements_cover_month": pl.Boolean,
        },
        orient="row",
    )
    frame = situation.join(
        income, on=["household", MONTH_COLUMN], how="left", maintain_order="left"
    )
    return frame, projected


@dataclass(frozen=True)
class _Window:
    """The read windows of one household, as :func:`entitlement.household.load_household`
    derives them from its coverage."""

    code: str
    coverage: Coverage
    start: dt.date
    end: dt.date
    read_start: dt.date
    read_end: dt.date


def _coverages(session: Session, ids: dict[str, int]) -> dict[str, Coverage]:
    """:func:`entitlement.household.coverage_of` for many households (households without
    transactions, for which it raises, are left out)."""
    statements = {
        code: (first, last) for code, first, last in bulk.statement_dates(session, ids).iter_rows()
    }
    out: dict[str, Coverage] = {}
    for code, first, last in bulk.booking_dates(session, ids).iter_rows():
        opening, closing = statements.get(code, (None, None))
        if opening is not None:  # the opening balance is stated at the end of that day
            first = min(first, opening + dt.timedelta(days=1))
        if closing is not None:
            last = max(last, closing)
        out[code] = Coverage(first, last)
    return out


def _window(code: str, coverage: Coverage, year: int) -> _Window | None:
    """None where :func:`~entitlement.household.load_household` raises NotFoundError."""
    if coverage.last_month < dt.date(year - 1, 1, 1) or coverage.first_day > dt.date(year, 12, 31):
        return None
    if coverage.last_month < coverage.first_month:
        return None
    start = max(dt.date(year - 1, 1, 1), coverage.first_month)
    end = min(dt.date(year, 12, 31), month_end(coverage.last_month))
    r_start, r_end = dt.date(year - 1, 12, 1), dt.date(year + 1, 1, 31)
    read_start = min(start, r_start) if start <= end else r_start
    return _Window(code, coverage, start, end, read_start, max(end, r_end))


def _person(code: str, profile: HouseholdProfile | None, day: dt.date) -> tuple[object, ...]:
    """:func:`entitlement.income_store.persons_frame`'s row."""
    if profile is None:
        return (code, False, None, None)
    partner = next((m for m in profile.members_on(day) if m.role is Role.TOESLAGPARTNER), None)
    return (
        code,
        partner is not None,
        profile.applicant.birth_date,
        partner.birth_date if partner else None,
    )


def _per_household(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    parts = frame.partition_by("household", as_dict=True, maintain_order=True)
    return {str(k[0]): v for k, v in parts.items()}


def _within(
    frame: pl.DataFrame, column_name: str, bounds: pl.DataFrame, first: str, last: str
) -> pl.DataFrame:
    """Each household's rows with ``column_name`` within its own [first, last] of ``bounds``."""
    return (
        frame.join(
            bounds.select("household", first, last),
            on="household",
            how="inner",
            maintain_order="left",
        )
        .filter(pl.col(column_name).is_between(pl.col(first), pl.col(last)))
        .drop(first, last)
    )


def load_households(session: Session, codes: Sequence[str], year: int) -> dict[str, HouseholdData]:
    """:func:`entitlement.household.load_household` for many households with a few queries, one
    classification and one income computation; households it would refuse (no statements
    about ``year``, no complete month) are left out."""
    ids = bulk.household_ids(session, codes)
    if not ids:
        return {}
    coverages = _coverages(session, ids)
    windows = [w for c, cov in coverages.items() if (w := _window(c, cov, year)) is not None]
    if not windows:
        return {}
    ids = {w.code: ids[w.code] for w in windows}
    bounds = pl.DataFrame(
        {
            "household": [w.code for w in windows],
            "start": [w.start for w in windows],
            "end": [w.end for w in windows],
            "read_start": [w.read_start for w in windows],
            "read_end": [w.read_end for w in windows],
            "context": [w.read_start - dt.timedelta(days=CONTEXT_DAYS) for w in windows],
            "r_start": [dt.date(year - 1, 12, 1)] * len(windows),
            "r_end": [dt.date(year + 1, 1, 31)] * len(windows),
        }
    )
    first = min(w.read_start for w in windows) - dt.timedelta(days=CONTEXT_DAYS)
    last = max(w.read_end for w in windows)
    # store.classification.classified_transactions: a context before the window, per household
    raw = _within(
        bulk.transactions(session, ids, start=first, end=last),
        "booking_date",
        bounds,
        "context",
        "read_end",
    )
    classified_all = _within(
        classify(raw, bulk.rules(session, ids)), "booking_date", bounds, "read_start", "read_end"
    )
    payments_all = _within(
        bulk_benefits.payments(session, ids, first, last),
        "payment_date",
        bounds,
        "read_start",
        "read_end",
    )
    profiles = bulk.Profiles(session, ids)
    months = year_months(year)
    # the income of every household over its own [start, end]
    classified = _within(classified_all, "booking_date", bounds, "start", "end")
    payments = _within(payments_all, "payment_date", bounds, "start", "end")
    persons = pl.DataFrame(
        [_person(w.code, profiles.on(w.code, w.end), w.end) for w in windows],
        schema=PERSON_SCHEMA, orient="row",
    )  # fmt: skip
    lines = income_lines(classified, payments, persons)
    monthly_parts: list[pl.DataFrame] = []
    for (start, end), group in bounds.group_by("start", "end"):
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        if start <= end:
            these = group["household"].to_list()
            mine = lines.filter(pl.col("household").is_in(these))
            monthly_parts.append(monthly_income(mine, these, start, end))
    monthly = _per_household(pl.concat(monthly_parts)) if monthly_parts else {}
    other = (
        lines.filter(~pl.col("regeling").fill_null("").is_in(list(NOT_OTHER_INCOME)))
        .group_by("household", "month")
        .agg(pl.col("net_cents").sum())
    )
    other_found: dict[str, dict[dt.date, int]] = {}
    for code, month, cents in other.iter_rows():
        other_found.setdefault(code, {})[month] = int(cents)
    received = _per_household(
        received_per_regeling(
            _within(classified_all, "booking_date", bounds, "r_start", "r_end"),
            _within(payments_all, "payment_date", bounds, "r_start", "r_end"),
        )
    )
    decisions = _per_household(bulk_benefits.decisions(session, ids))
    empty_monthly = pl.DataFrame(schema=MONTHLY_INCOME_SCHEMA)
    out: dict[str, HouseholdData] = {}
    for w in windows:
        per_month = {m: profiles.on(w.code, m) for m in months}
        notes = []
        if all(p is None for p in per_month.values()):
            notes.append("geen profiel vastgelegd: de regelingen zijn niet te berekenen")
        found = other_found.get(w.code, {})
        other_net = {m: int(found.get(m, 0)) for m in _months_between(w.start, w.end)}
        out[w.code] = HouseholdData(
            code=w.code,
            year=year,
            coverage=w.coverage,
            profiles=per_month,
            monthly=monthly.get(w.code, empty_monthly) if w.start <= w.end else empty_monthly,
            other_net=other_net if w.start <= w.end else {},
            received=received.get(w.code, pl.DataFrame(schema=RECEIVED_SCHEMA)),
            decisions=decisions.get(w.code, pl.DataFrame(schema=DECISION_SCHEMA)),
            notes=tuple(notes),
        )
    return out
