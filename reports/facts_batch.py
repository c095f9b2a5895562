"""Store reads for many households at once, for the household facts.

The store's own functions answer one household per call (``transactions_frame``,
``statement_dates``, ``profile_on``, ``list_rules``); for a municipality of 100 000 households
the facts would spend their time in queries. These read the same rows for a chunk of
households in one query each, in the same order per household, so the budget modules (which
work on many households at once) get exactly what the one-household path gives them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.categories import Rubriek
from budget.classify import Rule, RuleMatch, rules_frame
from ingest.canonical import TRANSACTION_SCHEMA
from ingest.profile import HouseholdProfile, load_profile
from store.models import (
    Account,
    ClassificationRule,
    Household,
    ProfileVersion,
    StatementRow,
    Transaction,
)
from store.profiles import RecordedProfile

CHUNK_HOUSEHOLDS = 2_000
"""Households read and worked out together: about 800 000 transactions for two years, a few
hundred MB while classified; the chunk size changes memory and speed, never the result."""

_COLUMNS = [c for c in TRANSACTION_SCHEMA if c not in ("household", "account")]


def chunks(codes: Sequence[str], size: int | None = None) -> Iterator[Sequence[str]]:
    """``codes`` in runs of ``size`` (default :data:`CHUNK_HOUSEHOLDS`)."""
    size = size or CHUNK_HOUSEHOLDS
    for lo in range(0, len(codes), size):
        yield codes[lo : lo + size]


def household_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Code to id of those households that exist."""
    rows = session.execute(select(Household.code, Household.id).where(Household.code.in_(codes)))
    return {code: hid for code, hid in rows}


def transactions(
    session: Session,
    ids: dict[str, int],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """The live transactions of the households in ``ids`` (:func:`store.transactions.
    transactions_frame` for each, one after the other: per household ordered by account,
    booking date and position)."""
    codes = {hid: code for code, hid in ids.items()}
    query = (
        select(
            Transaction.household_id,
            Account.identifier,
            *(getattr(Transaction, c) for c in _COLUMNS),
        )
        .join(Account, Account.id == Transaction.account_id)
        .where(Transaction.household_id.in_(list(codes)), Transaction.deleted_at.is_(None))
        .order_by(
            Transaction.household_id,
            Account.identifier,
            Transaction.booking_date,
            Transaction.import_id,
            Transaction.position,
        )
    )
    if start is not None:
        query = query.where(Transaction.booking_date >= start)
    if end is not None:
        query = query.where(Transaction.booking_date <= end)
    rows = session.execute(query).all()
    columns: dict[str, list[object]] = {"household": [codes[r[0]] for r in rows]}
    columns["account"] = [r[1] for r in rows]
    for index, name in enumerate(_COLUMNS, start=2):
        columns[name] = [r[index] for r in rows]
    return pl.DataFrame(columns, schema=TRANSACTION_SCHEMA)


def rules(session: Session, ids: dict[str, int]) -> pl.DataFrame:
    """Every classification rule of the households (withdrawn ones included, as
    :func:`store.classification.list_rules` gives them) as :func:`budget.classify.rules_frame`."""
    codes = {hid: code for code, hid in ids.items()}
    rows = session.scalars(
        select(ClassificationRule)
        .where(ClassificationRule.household_id.in_(list(codes)))
        .order_by(ClassificationRule.household_id, ClassificationRule.id)
    ).all()
    return rules_frame(
        [
            Rule(
                id=r.id,
                household=codes[r.household_id],
                match=RuleMatch(r.match),
                value=r.value,
                rubriek=Rubriek(r.rubriek),
                ketenpartner=r.ketenpartner,
                created_by=r.created_by,
                created_at=r.created_at,
                withdrawn_at=r.withdrawn_at,
                withdrawn_by=r.withdrawn_by,
            )
            for r in rows
        ]
    )


STATEMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "first_opening": pl.Date,
    "last_closing": pl.Date,
}


def statement_dates(session: Session, ids: dict[str, int]) -> pl.DataFrame:
    """First opening and last closing date per household (:func:`store.statement_dates.
    statement_dates`); households without statements are left out."""
    codes = {hid: code for code, hid in ids.items()}
    rows = session.execute(
        select(
            Account.household_id,
            func.min(StatementRow.opening_date),
            func.max(StatementRow.closing_date),
        )
        .join(Account, Account.id == StatementRow.account_id)
        .where(Account.household_id.in_(list(codes)))
        .group_by(Account.household_id)
    ).all()
    return pl.DataFrame(
        [(codes[h], first, last) for h, first, last in rows], schema=STATEMENT_SCHEMA, orient="row"
    )


@dataclass(frozen=True, slots=True)
class Closing:
    statement: int
    day: dt.date
    balance_cents: int


def balances_at_start(
    session: Session, ids: dict[str, int], days: dict[str, dt.date], tx: pl.DataFrame
) -> dict[str, int | None]:
    """:func:`store.transactions.balance_at_start` of each household on its day in ``days``,
    with ``tx`` the households' live transactions (all of them: the closing found is moved by
    the bookings between it and the day)."""
    wanted = {ids[c]: c for c in days if c in ids}
    accounts: dict[str, list[tuple[int, str]]] = {c: [] for c in wanted.values()}
    for aid, hid, identifier in session.execute(
        select(Account.id, Account.household_id, Account.identifier)
        .where(Account.household_id.in_(list(wanted)))
        .order_by(Account.id)
    ):
        accounts[wanted[hid]].append((aid, identifier))
    closings: dict[int, list[Closing]] = {}
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
        closings.setdefault(aid, []).append(Closing(sid, day, cents))
    by_account = {
        (str(h), str(a)): frame
        for (h, a), frame in tx.select("household", "account", "booking_date", "amount_cents")
        .filter(pl.col("household").is_in(list(days)))
        .partition_by(["household", "account"], as_dict=True)
        .items()
    }
    out: dict[str, int | None] = {}
    for code, day in days.items():
        out[code] = _balance(accounts.get(code, []), closings, by_account, code, day)
    return out


def _balance(
    accounts: list[tuple[int, str]],
    closings: dict[int, list[Closing]],
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
    """Every recorded profile version of a set of households, read in one query and loaded
    (validated) once each when asked for: :func:`store.profiles.profile_history` and
    :func:`store.profiles.profile_on` without a query per household."""

    def __init__(self, session: Session, ids: dict[str, int]) -> None:
        codes = {hid: code for code, hid in ids.items()}
        self._rows: dict[str, list[ProfileVersion]] = {}
        for row in session.scalars(
            select(ProfileVersion)
            .where(ProfileVersion.household_id.in_(list(codes)))
            .order_by(ProfileVersion.household_id, ProfileVersion.valid_from, ProfileVersion.id)
        ):
            self._rows.setdefault(codes[row.household_id], []).append(row)
        self._loaded: dict[int, HouseholdProfile] = {}

    def _load(self, row: ProfileVersion) -> HouseholdProfile:
        if row.id not in self._loaded:
            text = json.dumps(row.document).encode()
            self._loaded[row.id] = load_profile(text, f"profiel {row.valid_from}")
        return self._loaded[row.id]

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
