"""Saldo at the start of a day, from stated closing balances only; unknown stays unknown."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from store.db import session_scope
from store.households import create_household, get_household
from store.importing import store_result
from store.transactions import balance_at_start

ACCOUNT = "NL91ABNA0417164300"
D = dt.date


def statement(days: list[tuple[D, int]], closing: int | None) -> ExtractResult:
    txs = tuple(RawTransaction(account=ACCOUNT, booking_date=d, amount_cents=a) for d, a in days)
    return ExtractResult(
        SourceFormat.CAMT053,
        "TEST",
        "test",
        (
            Statement(
                account=ACCOUNT,
                transactions=txs,
                closing_balance_cents=closing,
                closing_date=days[-1][0] if closing is not None else None,
            ),
        ),
    )


def load(engine: Engine, result: ExtractResult) -> None:
    with session_scope(engine) as session:
        create_household(session, "H", "t")
        store_result(session, get_household(session, "H"), result, b"x", "f", "t", "t")


def test_balance_moves_forward_and_back_from_a_stated_closing(engine: Engine) -> None:
    # 10 000 before 1 March; +500 on 5 March, -2 000 on 20 March; closes 8 500 on 20 March.
    load(engine, statement([(D(2024, 3, 5), 500), (D(2024, 3, 20), -2000)], 8500))
    with session_scope(engine) as session:
        assert balance_at_start(session, "H", D(2024, 3, 1)) == 10000
        assert balance_at_start(session, "H", D(2024, 3, 6)) == 10500
        assert balance_at_start(session, "H", D(2024, 3, 21)) == 8500
        assert balance_at_start(session, "H", D(2024, 4, 1)) == 8500


def test_no_stated_balance_means_unknown_not_zero(engine: Engine) -> None:
    load(engine, statement([(D(2024, 3, 5), 500)], None))
    with session_scope(engine) as session:
        assert balance_at_start(session, "H", D(2024, 3, 1)) is None
