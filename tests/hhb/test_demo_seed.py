"""Golden test: the participant of "Dagelijks leven van een deelnemer" (seeds/002_*), to the cent.

The generated bank files of ``DEMO-SEED`` are imported through the normal import path into
SQLite; summing the stored transactions per month must give the presentation's table back:
every amount per ketenpartner, the opening balance, the period balances and the closings.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.seed import SEED_CODE
from store.db import make_engine, migrate, session_scope
from store.models import Account, Household, StatementRow, Transaction

# The table: per month, the amounts per ketenpartner (cents).
TABLE = (
    {"UWV": [45734, 63768], "Eneco": [-17100], "Vitens": [-2621, -2621],
     "Huishoudboekje": [-46016], "Portaal": [-42410],
     "Zorg & Zekerheid, afdeling relaties": [-18315]},
    {"UWV": [45734, 63768], "Eneco": [73750], "Vitens": [-2621],
     "Huishoudboekje": [-46016, -73750], "Portaal": [-42410],
     "Zorg & Zekerheid, afdeling relaties": [-18315]},
    {"UWV": [45734, 22328, 63768, 20560, 26800], "Eneco": [-17100],
     "Huishoudboekje": [-46016], "Portaal": [-42410],
     "Zorg & Zekerheid, afdeling relaties": [-18315]},
)  # fmt: skip
OPENING = -8536
PERIOD = (-19581, 140, 55349)
CLOSING = (-28117, -27977, 27372)


def _ketenpartner(name: str | None) -> str:
    """Leefgeld goes to the participant's own account: the table calls that row Huishoudboekje."""
    return name if name in TABLE[0] else "Huishoudboekje"


@pytest.mark.parametrize("start", ["2024-01", "2024-09", "2025-06"])
def test_seed_participant_reproduces_the_table(tmp_path: Path, start: str) -> None:
    first = dt.date.fromisoformat(start + "-01")
    world = write_world(tmp_path, households=2, months=4, seed=5, first=first, workers=1)
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    migrate(engine)
    assert load_world(engine, tmp_path, world.codes, "test").warnings == ()

    with session_scope(engine) as session:
        household = session.scalar(select(Household).where(Household.code == SEED_CODE))
        assert household is not None
        rows = session.execute(
            select(Transaction.booking_date, Transaction.amount_cents,
                   Transaction.counterparty_name)
            .where(Transaction.household_id == household.id)
            .order_by(Transaction.booking_date)
        ).all()  # fmt: skip
        statements = session.execute(
            select(StatementRow.opening_date, StatementRow.opening_balance_cents,
                   StatementRow.closing_balance_cents)
            .join(Account)
            .where(Account.household_id == household.id)
            .order_by(StatementRow.opening_date)
        ).all()  # fmt: skip
    engine.dispose()

    balance = OPENING
    for month, expected in enumerate(TABLE):
        day = dt.date(first.year + (first.month - 1 + month) // 12,
                      (first.month - 1 + month) % 12 + 1, 1)  # fmt: skip
        in_month = [r for r in rows if (r[0].year, r[0].month) == (day.year, day.month)]
        got: dict[str, Counter[int]] = {}
        for _, cents, name in in_month:
            got.setdefault(_ketenpartner(name), Counter())[cents] += 1
        assert got == {k: Counter(v) for k, v in expected.items()}, f"maand {month + 1}"
        period = sum(cents for _, cents, _ in in_month)
        assert period == PERIOD[month]
        balance += period
        assert balance == CLOSING[month]
    # The bank's own statement balances say the same.
    assert [(s[1], s[2]) for s in statements[:3]] == [
        (OPENING, CLOSING[0]),
        (CLOSING[0], CLOSING[1]),
        (CLOSING[1], CLOSING[2]),
    ]
