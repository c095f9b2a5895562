"""Every bank file the demo writes imports without warnings and matches the generator's ledger.

The ledger is what the generator meant to write; the database is what the importers read back.
Per account and month the two must agree on money in, money out and count, on the statement
balances (MT940/CAMT) and on the running balances after each booking (CSV exports that have them).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.world import generate_household
from store.db import make_engine, migrate, session_scope
from store.models import Account, StatementRow, Transaction

Key = tuple[str, str]  # account, yyyy-mm
NUMBERS = ("opening_cents", "closing_cents", "in_cents", "out_cents", "count")


def build(out: Path, *, households: int, months: int, seed: int, first: dt.date) -> Engine:
    world = write_world(out, households=households, months=months, seed=seed, first=first,
                        workers=1)  # fmt: skip
    engine = make_engine(f"sqlite:///{out / 'demo.sqlite3'}")
    migrate(engine)
    loaded = load_world(engine, out, world.codes, "test")
    assert loaded.warnings == ()
    assert loaded.transactions == world.transactions
    return engine


def ledger(out: Path) -> dict[Key, dict[str, int]]:
    with (out / "ledger.csv").open(encoding="utf-8") as fh:
        return {
            (row["account"], row["month"]): {k: int(row[k]) for k in NUMBERS}
            for row in csv.DictReader(fh)
        }


def stored(engine: Engine) -> tuple[dict[Key, dict[str, int]], dict[Key, dict[str, int]]]:
    sums: dict[Key, dict[str, int]] = defaultdict(lambda: {"in_cents": 0, "out_cents": 0,
                                                           "count": 0})  # fmt: skip
    balances: dict[Key, dict[str, int]] = defaultdict(dict)
    with session_scope(engine) as session:
        query = select(Account.identifier, Transaction.booking_date, Transaction.amount_cents)
        for account, day, cents in session.execute(query.join(Account)):
            row = sums[(account, f"{day:%Y-%m}")]
            row["in_cents" if cents > 0 else "out_cents"] += cents
            row["count"] += 1
        # A statement may be a day (Volksbank MT940), a month, or a quarter (a CSV file):
        # the earliest opening in a month and the latest closing in a month are what count.
        query2 = select(Account.identifier, StatementRow.opening_date,
                        StatementRow.opening_balance_cents, StatementRow.closing_date,
                        StatementRow.closing_balance_cents).join(Account)  # fmt: skip
        for account, start, opening, _, _ in session.execute(
            query2.order_by(StatementRow.opening_date)
        ):
            if start is not None and opening is not None:
                balances[(account, f"{start:%Y-%m}")].setdefault("opening_cents", opening)
        for account, _, _, end, closing in session.execute(
            query2.order_by(StatementRow.closing_date)
        ):
            if end is not None and closing is not None:
                balances[(account, f"{end:%Y-%m}")]["closing_cents"] = closing
    return dict(sums), balances


def running_balances(engine: Engine) -> dict[Key, list[int]]:
    out: dict[Key, list[int]] = defaultdict(list)
    with session_scope(engine) as session:
        query = select(Account.identifier, Transaction.booking_date,
                       Transaction.balance_after_cents).join(Account)  # fmt: skip
        for account, day, after in session.execute(query):
            if after is not None:
                out[(account, f"{day:%Y-%m}")].append(after)
    return out


def assert_matches(out: Path, engine: Engine, seed: int, households: int, months: int,
                   first: dt.date) -> None:  # fmt: skip
    expected = ledger(out)
    sums, balances = stored(engine)
    for key, row in expected.items():
        got = sums.get(key, {"in_cents": 0, "out_cents": 0, "count": 0})
        assert got == {k: row[k] for k in ("in_cents", "out_cents", "count")}, key
        for name, value in balances.get(key, {}).items():
            assert value == row[name], (key, name)
    assert set(sums) <= set(expected)
    # Running balances: the generator's own, in its booking order, against what the CSVs say.
    found = running_balances(engine)
    for index in range(households):
        household = generate_household(seed, index, first, months)
        for account in household.accounts:
            balance = account.opening_cents
            mine: dict[Key, list[int]] = defaultdict(list)
            for tx in household.transactions[account.iban]:
                balance += tx.amount_cents
                mine[(account.iban, f"{tx.booking_date:%Y-%m}")].append(balance)
            for key, values in mine.items():
                if key in found:
                    assert sorted(found[key]) == sorted(values), key


def test_small_world_imports_cleanly(tmp_path: Path) -> None:
    first = dt.date(2024, 11, 1)
    engine = build(tmp_path, households=12, months=5, seed=11, first=first)
    assert_matches(tmp_path, engine, 11, 12, 5, first)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**9),
    households=st.integers(2, 6),
    months=st.integers(1, 5),
    start=st.integers(0, 30),
)
def test_every_generated_file_imports_and_matches_the_ledger(
    seed: int, households: int, months: int, start: int
) -> None:
    first = dt.date(2024 + start // 12, start % 12 + 1, 1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        engine = build(out, households=households, months=months, seed=seed, first=first)
        try:
            assert_matches(out, engine, seed, households, months, first)
        finally:
            engine.dispose()
