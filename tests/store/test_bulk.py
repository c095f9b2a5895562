"""Each chunk read of :mod:`store.bulk` and :mod:`store.bulk_benefits` gives, household by
household, what its one-household store function gives, on a demo world with the unusual cases
made by hand: a deleted transaction, a withdrawn rule, a profile changed mid-year (and one
recorded again unchanged), a household without profile and one without anything."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from budget.categories import Rubriek
from budget.classify import RuleMatch, rules_frame
from entitlement.income_store import payments_frame
from entitlement.received import decisions_frame
from store import bulk, bulk_benefits
from store.classification import add_rule, list_rules, withdraw_rule
from store.db import make_engine, session_scope
from store.households import create_household, get_household
from store.models import Household, ProfileVersion, Transaction
from store.profiles import profile_history, profile_on, record_profile
from store.statement_dates import statement_dates
from store.transactions import balance_at_start, delete_transaction, transactions_frame
from tests.reports.helpers import demo_database

FIRST = dt.date(2024, 1, 1)
CHANGED = dt.date(2024, 6, 15)
"""The day one household's profile changes (a month that starts before it keeps the old one)."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bulk_world")
    database = demo_database(folder, households=4, months=9, seed=11, first=FIRST)
    copy = folder / "edited.sqlite3"
    shutil.copy(database, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with session_scope(engine) as session:
        a, b, c, _d = _codes(session)
        create_household(session, "LEEG", "test")  # no transactions, statements nor profile
        # a: a deleted transaction, a rule withdrawn and one still in force
        tx = session.scalars(
            select(Transaction)
            .where(
                Transaction.household_id == get_household(session, a).id,
                Transaction.counterparty_iban.is_not(None),
            )
            .order_by(Transaction.booking_date.desc())
        ).first()
        assert tx is not None and tx.counterparty_iban is not None
        delete_transaction(session, a, tx.tx_key, "coach")
        iban = tx.counterparty_iban
        old = add_rule(session, a, RuleMatch.IBAN, iban, Rubriek.ZORGVERZEKERING, "coach")
        withdraw_rule(session, a, old.id, "coach")
        add_rule(session, a, RuleMatch.NAAM, "albert heijn", Rubriek.BOODSCHAPPEN, "coach")
        # b: a new situation from mid-year, then the same document recorded again
        history = profile_history(session, b)
        moved = dataclasses.replace(history[-1].profile, coach="andere-coach")
        record_profile(session, b, moved, CHANGED, "coach")
        record_profile(session, b, moved, CHANGED, "coach")
        # c: no profile at all
        session.execute(
            delete(ProfileVersion).where(
                ProfileVersion.household_id == get_household(session, c).id
            )
        )
    engine.dispose()
    return copy


def _codes(session: Session) -> list[str]:
    return list(session.scalars(select(Household.code).order_by(Household.id)))


@pytest.fixture
def session(world: Path) -> Iterator[Session]:
    engine: Engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        yield session
    engine.dispose()


def _of(frame: pl.DataFrame, code: str) -> pl.DataFrame:
    return frame.filter(pl.col("household") == code)


def test_household_ids_leave_unknown_codes_out(session: Session) -> None:
    codes = _codes(session)
    ids = bulk.household_ids(session, [*codes, "GEEN-HUISHOUDEN"])
    assert sorted(ids) == sorted(codes)
    assert all(ids[c] == get_household(session, c).id for c in codes)


def test_chunks_cover_every_code_once_in_order() -> None:
    codes = [f"H{i}" for i in range(7)]
    assert [list(p) for p in bulk.chunks(codes, 3)] == [codes[:3], codes[3:6], codes[6:]]


@pytest.mark.parametrize(
    ("start", "end"), [(None, None), (dt.date(2024, 3, 10), dt.date(2024, 7, 31))]
)
def test_transactions_are_transactions_frame(
    session: Session, start: dt.date | None, end: dt.date | None
) -> None:
    codes = _codes(session)
    ids = bulk.household_ids(session, codes)
    frame = bulk.transactions(session, ids, start=start, end=end)
    for code in codes:
        want = transactions_frame(session, code, start=start, end=end)
        assert_frame_equal(_of(frame, code), want)
    assert frame.height > 0
    deleted = session.scalars(select(Transaction.tx_key).where(Transaction.deleted_at.is_not(None)))
    assert not frame["tx_key"].is_in(list(deleted)).any()


def test_rules_are_list_rules_withdrawn_ones_included(session: Session) -> None:
    codes = _codes(session)
    frame = bulk.rules(session, bulk.household_ids(session, codes))
    want = rules_frame([r for code in codes for r in list_rules(session, code)])
    assert_frame_equal(frame, want)
    assert frame.height == 2 and frame["withdrawn_at"].null_count() == 1


def test_statement_and_booking_dates_are_the_one_household_reads(session: Session) -> None:
    codes = _codes(session)
    ids = bulk.household_ids(session, codes)
    statements = {r[0]: r[1:] for r in bulk.statement_dates(session, ids).iter_rows()}
    bookings = {r[0]: r[1:] for r in bulk.booking_dates(session, ids).iter_rows()}
    for code in codes:
        one = statement_dates(session, code)
        assert statements.get(code, (None, None)) == (one.first_opening, one.last_closing)
        tx = transactions_frame(session, code)
        want = (tx["booking_date"].min(), tx["booking_date"].max()) if tx.height else None
        assert bookings.get(code) == want
    assert "LEEG" not in statements and "LEEG" not in bookings
    assert len(statements) == len(bookings) == len(codes) - 1


def test_balances_at_start_are_balance_at_start(session: Session) -> None:
    codes = _codes(session)
    ids = bulk.household_ids(session, codes)
    tx = bulk.transactions(session, ids)
    known = 0
    for day in (dt.date(2023, 12, 1), dt.date(2024, 1, 1), dt.date(2024, 5, 17),
                dt.date(2024, 10, 1), dt.date(2025, 1, 1)):  # fmt: skip
        got = bulk.balances_at_start(session, ids, dict.fromkeys(codes, day), tx)
        for code in codes:
            assert got[code] == balance_at_start(session, code, day), (code, day)
            known += got[code] is not None
    assert known > len(codes)


def test_profiles_are_profile_history_and_profile_on(session: Session) -> None:
    codes = _codes(session)
    profiles = bulk.Profiles(session, bulk.household_ids(session, codes))
    days = [FIRST + dt.timedelta(days=d) for d in range(-40, 400, 9)] + [CHANGED]
    for code in codes:
        assert profiles.history(code) == profile_history(session, code)
        for day in days:
            assert profiles.on(code, day) == profile_on(session, code, day), (code, day)
    _a, b, c, _d = codes[:4]
    assert profiles.history(c) == [] and profiles.on(c, CHANGED) is None
    assert profiles.history("LEEG") == []
    before, after = profiles.on(b, CHANGED - dt.timedelta(days=1)), profiles.on(b, CHANGED)
    assert before is not None and after is not None and before.coach != after.coach
    # b's document recorded twice is parsed once
    rows = session.scalars(select(ProfileVersion.id)).all()
    assert profiles.parsed == len(rows) - 1


def test_payments_and_decisions_are_the_one_household_reads(session: Session) -> None:
    codes = _codes(session)
    ids = bulk.household_ids(session, codes)
    start, end = dt.date(2024, 2, 1), dt.date(2024, 8, 31)
    payments = bulk_benefits.payments(session, ids, start, end)
    decisions = bulk_benefits.decisions(session, ids)
    for code in codes:
        assert_frame_equal(_of(payments, code), payments_frame(session, code, start, end))
        assert_frame_equal(_of(decisions, code), decisions_frame(session, code))
    assert payments.height > 0 and decisions.height > 0
    assert payments["payment_date"].is_between(start, end).all()
