"""Store reads for a chunk of households at once, for the batch facts.

The store's own functions answer one household per call (``transactions_frame``,
``statement_dates``, ``balance_at_start``, ``profile_on``, ``list_rules``); for a municipality of
100 000 households the facts would spend their time in queries. Each function here reads the
same rows for a chunk of households with one query per table, in the same order per household,
so that the batch paths (:mod:`reports.facts_budget_batch`, :mod:`entitlement.batch_inputs`)
get exactly what the one-household path gives them. Payments and toeslag decisions, which only
the regelingen need, are in :mod:`store.bulk_benefits`.

``ids`` is always the code-to-id map of :func:`household_ids`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql import ColumnElement

from budget.classify import rules_frame
from ingest.profile import HouseholdProfile
from ingest.profile.loader import profile_from_document
from store.classification import _rule
from store.models import (
    Account,
    ClassificationRule,
    Household,
    ProfileVersion,
    StatementRow,
    Transaction,
)
from store.profiles import RecordedProfile
from store.transactions import transactions_of

CHUNK_HOUSEHOLDS = 2_000
"""Households read and worked out together: about 800 000 transactions for two years, a few
hundred MB while classified; the chunk size changes memory and speed, never the result."""

STATEMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "first_opening": pl.Date,
    "last_closing": pl.Date,
}

BOOKING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "first_booking": pl.Date,
    "last_booking": pl.Date,
}


def chunks(codes: Sequence[str], size: int | None = None) -> Iterator[Sequence[str]]:
    """``codes`` in runs of ``size`` (default :data:`CHUNK_HOUSEHOLDS`)."""
    size = size or CHUNK_HOUSEHOLDS
    for lo in range(0, len(codes), size):
        yield codes[lo : lo + size]


def household_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Code to id of those households that exist (:func:`store.households.get_household`
    without the error for an unknown code: those are left out)."""
    rows = session.execute(select(Household.code, Household.id).where(Household.code.in_(codes)))
    return {code: hid for code, hid in rows}


def _codes(ids: dict[str, int]) -> dict[int, str]:
    return {hid: code for code, hid in ids.items()}


def transactions(
    session: Session,
    ids: dict[str, int],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """The same as :func:`store.transactions.transactions_frame` (live rows) for many
    households: one after the other, each ordered by account, booking date and position."""
    return transactions_of(session, _codes(ids), start=start, end=end)


def rules(session: Session, ids: dict[str, int]) -> pl.DataFrame:
    """The same as :func:`store.classification.list_rules` (withdrawn rules included) for many
    households, as :func:`budget.classify.rules_frame`."""
    codes = _codes(ids)
    rows = session.scalars(
        select(ClassificationRule)
        .where(ClassificationRule.household_id.in_(list(codes)))
        .order_by(ClassificationRule.household_id, ClassificationRule.id)
    ).all()
    return rules_frame([_rule(r, codes[r.household_id]) for r in rows])


def statement_dates(session: Session, ids: dict[str, int]) -> pl.DataFrame:
    """The same as :func:`store.statement_dates.statement_dates` for many households
    (:data:`STATEMENT_SCHEMA`); households without statements are left out."""
    return _first_last(
        session,
        ids,
        STATEMENT_SCHEMA,
        Account.household_id,
        (StatementRow.opening_date, StatementRow.closing_date),
        Account.id == StatementRow.account_id,
    )


def booking_dates(session: Session, ids: dict[str, int]) -> pl.DataFrame:
    """First and last booking date of the live transactions, the transaction half of
    :func:`entitlement.household.coverage_of`, for many households (:data:`BOOKING_SCHEMA`);
    households without transactions are left out."""
    return _first_last(
        session,
        ids,
        BOOKING_SCHEMA,
        Transaction.household_id,
        (Transaction.booking_date, Transaction.booking_date),
        Transaction.deleted_at.is_(None),
    )


def _first_last(
    session: Session,
    ids: dict[str, int],
    schema: dict[str, pl.DataType | type[pl.DataType]],
    household: QueryableAttribute[int],
    dates: tuple[QueryableAttribute[dt.date | None], QueryableAttribute[dt.date | None]],
    *criteria: ColumnElement[bool],
) -> pl.DataFrame:
    """Per household of ``ids`` (by the column ``household``) the earliest of the first of
    ``dates`` and the latest of the second, over the rows that meet ``criteria``; a household
    without such rows is left out."""
    codes = _codes(ids)
    rows = session.execute(
        select(household, func.min(dates[0]), func.max(dates[1]))
        .where(household.in_(list(codes)), *criteria)
        .group_by(household)
    ).all()
    return pl.DataFrame(
        [(codes[h], first, last) for h, first, last in rows], schema=schema, orient="row"
    )


@dataclass(frozen=True, slots=True)
class _Closing:
    statement: int
    day: dt.date
    balance_cents: int


def balances_at_start(
    session: Session, ids: dict[str, int], days: dict[str, dt.date], tx: pl.DataFrame
) -> dict[str, int | None]:
    """The same as :func:`store.transactions.balance_at_start` for many households, each on its
    own day in ``days``; ``tx``: the households' live transactions (:func:`transactions`, all
    of them: the closing found is moved by the bookings between it and the day)."""
    wanted = {ids[c]: c for c in days if c in ids}
    accounts: dict[str, list[tuple[int, str]]] = {c: [] for c in wanted.values()}
    for aid, hid, identifier in session.execute(
        select(Account.id, Account.household_id, Account.identifier)
        .where(Account.household_id.in_(list(wanted)))
        .order_by(Account.id)
    ):
        accounts[wanted[hid]].append((aid, identifier))
    closings: dict[int, list[_Closing]] = {}
    for sid, aid, day, cents in session.execute(
        select(
            StatementRow.id,
            StatementRow.account_id,
            StatementRow.closing_date,
            StatementRow.closing_balance_cents,
        )
        .join(Account, Account.id == StatementRow.account_id)
        .where(
            Account.household_id.in_(list(wanted)),
            StatementRow.closing_balance_cents.is_not(None),
            StatementRow.closing_date.is_not(None),
        )
    ):
        assert day is not None and cents is not None  # filtered in the query
        closings.setdefault(aid, []).append(_Closing(sid, day, cents))
    by_account = {
        (str(h), str(a)): frame
        for (h, a), frame in tx.select("household", "account", "booking_date", "amount_cents")
        .filter(pl.col("household").is_in(list(days)))
        .partition_by(["household", "account"], as_dict=True)
        .items()
    }
    return {
        code: _balance(accounts.get(code, []), closings, by_account, code, day)
        for code, day in days.items()
    }


def _balance(
    accounts: list[tuple[int, str]],
    closings: dict[int, list[_Closing]],
    tx: dict[tuple[str, str], pl.DataFrame],
    code: str,
    day: dt.date,
) -> int | None:
    # The store query orders by statement id (newest first) before the closing date, so the
    # closing it takes is that of the newest statement on the right side of ``day``.
    total = 0
    for aid, identifier in accounts:
        rows = tx.get((code, identifier))
        booked = (
            rows
            if rows is not None
            else pl.DataFrame(schema={"booking_date": pl.Date, "amount_cents": pl.Int64})
        )
        before = [c for c in closings.get(aid, []) if c.day < day]
        if before:
            found = max(before, key=lambda c: c.statement)
            moved = booked.filter(pl.col("booking_date").is_between(found.day, day, closed="none"))
            total += found.balance_cents + int(moved["amount_cents"].sum())
            continue
        after = [c for c in closings.get(aid, []) if c.day >= day]
        if not after:
            return None
        found = max(after, key=lambda c: c.statement)
        moved = booked.filter(pl.col("booking_date").is_between(day, found.day, closed="both"))
        total += found.balance_cents - int(moved["amount_cents"].sum())
    return total


class Profiles:
    """Every recorded profile version of a chunk of households, read in one query:
    :func:`store.profiles.profile_history` and :func:`store.profiles.profile_on` without a
    query per household.

    Parsing and validating a stored document is the costly part of these reads, so each
    distinct document is parsed once, when first asked for (rows with the same document, e.g.
    a profile recorded again unchanged, share the result). The document is read as
    :func:`store.profiles._load` reads it (JSON text, decimals kept as text, the profile
    schema and checks of :func:`ingest.profile.load_profile`), without the YAML pass that
    only finds line numbers for error messages about a file.
    """

    def __init__(self, session: Session, ids: dict[str, int]) -> None:
        codes = _codes(ids)
        self._rows: dict[str, list[ProfileVersion]] = {}
        for row in session.scalars(
            select(ProfileVersion)
            .where(ProfileVersion.household_id.in_(list(codes)))
            .order_by(ProfileVersion.household_id, ProfileVersion.valid_from, ProfileVersion.id)
        ):
            self._rows.setdefault(codes[row.household_id], []).append(row)
        self._by_row: dict[int, HouseholdProfile] = {}
        self._by_text: dict[str, HouseholdProfile] = {}

    @property
    def parsed(self) -> int:
        """How many distinct documents were parsed so far."""
        return len(self._by_text)

    def _load(self, row: ProfileVersion) -> HouseholdProfile:
        found = self._by_row.get(row.id)
        if found is None:
            text = json.dumps(row.document)
            found = self._by_text.get(text)
            if found is None:
                document = json.loads(text, parse_float=str)
                found = profile_from_document(document, f"profiel {row.valid_from}")
                self._by_text[text] = found
            self._by_row[row.id] = found
        return found

    def history(self, code: str) -> list[RecordedProfile]:
        """Every version, oldest validity first, recordings in the order they were made."""
        return [
            RecordedProfile(
                r.valid_from, r.recorded_at, r.recorded_by, r.source_file, self._load(r)
            )
            for r in self._rows.get(code, [])
        ]

    def on(self, code: str, day: dt.date) -> HouseholdProfile | None:
        """The profile valid on ``day``: the latest recording of the latest version by then."""
        valid = [r for r in self._rows.get(code, []) if r.valid_from <= day]
        if not valid:
            return None
        return self._load(max(valid, key=lambda r: (r.valid_from, r.id)))
