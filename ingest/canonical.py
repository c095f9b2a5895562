"""The canonical transaction table: one schema for every format, and a key that survives
re-imports and overlapping statements.

Why the key is built the way it is: the same bank transaction reaches us through different
formats (a monthly CAMT.053 and a yearly CSV of the same account), and each format words the
description, counterparty and references differently. The only facts every format states the
same way are the account, the booking date and the amount. Two *different* transactions can share
those three (two equal weekly transfers on one day), so the key adds the occurrence number within
the file: the first €25,00 on 3 March is occurrence 1, the second is 2. Re-importing a file, or an
overlapping file of the same account, yields the same keys for the same days, and identical
payments within one statement are all kept. Statements always cover whole days, which is what
makes the occurrence count comparable between files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from ingest.model import RawTransaction, Statement
from ingest.rows import account_key

TRANSACTION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "account": pl.String,
    "booking_date": pl.Date,
    "value_date": pl.Date,
    "amount_cents": pl.Int64,
    "currency": pl.String,
    "counterparty_iban": pl.String,
    "counterparty_name": pl.String,
    "description": pl.String,
    "end_to_end_id": pl.String,
    "mandate_id": pl.String,
    "creditor_id": pl.String,
    "bank_reference": pl.String,
    "bank_transaction_code": pl.String,
    "is_reversal": pl.Boolean,
    "batch_id": pl.String,
    "opening_balance_cents": pl.Int64,
    "closing_balance_cents": pl.Int64,
    "balance_after_cents": pl.Int64,
    "import_id": pl.Int64,
    "position": pl.Int32,
    "tx_key": pl.String,
}
"""Declared schema of the canonical transaction table (amounts in signed integer cents)."""


def tx_key(account: str, booking_date: dt.date, amount_cents: int, occurrence: int) -> str:
    """Stable 128-bit key; see the module docstring for why these four fields."""
    raw = f"{account}|{booking_date.isoformat()}|{amount_cents}|{occurrence}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def account_id(statement: Statement) -> str:
    """The account as we store it: IBAN without spaces in upper case, or the BBAN as given."""
    return account_key(statement.account)


@dataclass(frozen=True, slots=True)
class KeyedTransaction:
    key: str
    account: str
    statement: Statement
    transaction: RawTransaction


def keyed(statements: Iterable[Statement]) -> Iterator[KeyedTransaction]:
    """Every transaction with its key, in file order; occurrences counted over the whole file."""
    seen: dict[tuple[str, dt.date, int], int] = {}
    for statement in statements:
        account = account_id(statement)
        for tx in statement.transactions:
            group = (account, tx.booking_date, tx.amount_cents)
            occurrence = seen.get(group, 0) + 1
            seen[group] = occurrence
            yield KeyedTransaction(
                tx_key(account, tx.booking_date, tx.amount_cents, occurrence),
                account,
                statement,
                tx,
            )


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=TRANSACTION_SCHEMA)


def frame(rows: Iterable[dict[str, object]]) -> pl.DataFrame:
    """Build the canonical table from row dicts holding the schema's columns."""
    return pl.DataFrame(list(rows), schema=TRANSACTION_SCHEMA, orient="row")
