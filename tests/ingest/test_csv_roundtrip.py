"""Property tests over every CSV dialect: what the writer writes, the importer reads back, and
only that dialect's importer claims it."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ingest.base import importers
from ingest.csvbanks import BY_DIALECT
from ingest.csvbanks.writer import WRITABLE, write_csv
from ingest.model import RawTransaction, Statement
from ingest.text import iban_from_nl_bban
from tests.ingest.strategies import statements

NO_BALANCE = {"ing-old", "knab", "bunq", "bunq-nl", "bunq-old", "bunq-old-nl"}
NO_VALUE_DATE = {"triodos"}
NO_ACCOUNT = {"bunq-old", "bunq-old-nl"}
OWN_BANK = {"asn": "ASNB", "sns": "SNSB", "regiobank": "RBRB"}
TX_FIELDS = ("account", "booking_date", "amount_cents", "currency", "value_date",
             "counterparty_iban", "counterparty_name", "description")  # fmt: skip


def for_dialect(statement: Statement, dialect: str) -> Statement:
    """The statement as the dialect can carry it (own bank code, fields it has no column for)."""
    account = statement.account
    if dialect in OWN_BANK:
        account = iban_from_nl_bban(account[8:], OWN_BANK[dialect])
    if dialect in NO_ACCOUNT:
        account = ""
    txs = tuple(
        dataclasses.replace(
            tx,
            account=account,
            value_date=None if dialect in NO_VALUE_DATE else tx.value_date,
        )
        for tx in statement.transactions
    )
    return dataclasses.replace(statement, account=account, transactions=txs)


ABN_KEYS = ("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID")


def carried(statement: Statement, dialect: str) -> bool:
    """ABN AMRO separates its fields with ``/KEY/`` and escapes nothing: text containing such a
    separator cannot be told apart from the structure, in the bank's own files too."""
    if dialect != "abnamro-tab":
        return True
    texts = [f"{t.counterparty_name} {t.description}" for t in statement.transactions]
    return not any(f"/{key}/" in text for text in texts for key in ABN_KEYS)


def tx_view(tx: RawTransaction) -> tuple[object, ...]:
    return tuple(getattr(tx, f) for f in TX_FIELDS)


def statement_view(statement: Statement, dialect: str) -> tuple[object, ...]:
    balances: tuple[object, ...] = ()
    if dialect not in NO_BALANCE:
        balances = (statement.opening_balance_cents, statement.opening_date,
                    statement.closing_balance_cents, statement.closing_date)  # fmt: skip
    return (statement.account, *balances, [tx_view(tx) for tx in statement.transactions])


@pytest.mark.parametrize("dialect", WRITABLE)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statement=statements())
def test_parse_of_write_returns_the_statement(dialect: str, statement: Statement) -> None:
    statement = for_dialect(statement, dialect)
    assume(carried(statement, dialect))
    result = BY_DIALECT[dialect].extract(write_csv([statement], dialect), "rt.csv")
    assert [p for p in result.problems if "rekening niet" not in p.message] == []
    assert len(result.statements) == 1
    assert statement_view(result.statements[0], dialect) == statement_view(statement, dialect)
    balances = [tx.balance_after_cents for tx in result.statements[0].transactions]
    if dialect not in NO_BALANCE:
        assert balances[-1] == statement.closing_balance_cents


@pytest.mark.parametrize("dialect", WRITABLE)
@settings(max_examples=20, deadline=None)
@given(statement=statements(max_transactions=6))
def test_only_the_own_importer_claims_the_output(dialect: str, statement: Statement) -> None:
    data = write_csv([for_dialect(statement, dialect)], dialect)
    claimed = [imp.name for imp in importers() if imp.identify(data)]
    assert claimed == [f"csv-{dialect}"]


@settings(max_examples=30, deadline=None)
@given(first=statements(max_transactions=8), second=statements(max_transactions=8))
def test_ing_all_accounts_export_splits_per_account(first: Statement, second: Statement) -> None:
    if first.account == second.account:
        return
    result = BY_DIALECT["ing-nl"].extract(write_csv([first, second], "ing-nl"), "alle.csv")
    assert [statement_view(s, "ing-nl") for s in result.statements] in (
        [statement_view(first, "ing-nl"), statement_view(second, "ing-nl")],
        [statement_view(second, "ing-nl"), statement_view(first, "ing-nl")],
    )
    assert result.problems == ()


def test_every_declared_dialect_has_a_writer() -> None:
    assert set(WRITABLE) == set(BY_DIALECT)


@given(st.data())
@settings(max_examples=5)
def test_writer_is_deterministic(data: st.DataObject) -> None:
    statement = data.draw(statements(max_transactions=3))
    assert write_csv([statement], "rabobank") == write_csv([statement], "rabobank")
