"""Canonical rows in batches: what an importer hands to the store while it is still reading.

A million-transaction file must not become a million Python records before the first one is
stored, so importers can *stream*: they emit :class:`RowBatch` objects of a few ten thousand
rows, already in the column order the store inserts and with their transaction keys, and the
statement headers (:class:`StatementHead`) once the file is read. The store inserts each batch
while the next one is parsed (see :mod:`ingest.worker` for the second process).

Keys are made here, by :class:`KeyMaker`, with exactly the rule of :func:`ingest.canonical.tx_key`
(occurrences counted over the whole file), because stored keys must never change. An importer
that does not stream is adapted by :class:`ResultExtraction`, so every import takes one path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple, cast

from ingest.model import ExtractResult, Problem, RawTransaction, SourceFormat, Statement
from ingest.text import normalize_iban

BATCH_ROWS = int(os.environ.get("HHB_IMPORT_BATCH_ROWS", "8000"))
"""Rows per batch: large enough that per-batch costs vanish, small enough that the store's
last batch (which nothing overlaps) is short and two batches in flight stay a few MB. With a
worker, storing takes about three quarters of the reading time, so the store's last batch is
the tail of the import: 100 000 CAMT entries imported faster with 8 000 rows than with 20 000
in each of five alternating runs of one import (median 1.67 against 1.72 s, by 3 to 14 %);
in the ingest benchmark the two were within its noise. Importing 1 000 000 MT940
transactions peaks at 715 MB instead of 890 MB. The environment variable exists for tests (a
worker process reads it too)."""

STORE_COLUMNS = (
    "tx_key", "booking_date", "value_date", "amount_cents", "currency", "counterparty_iban",
    "counterparty_name", "description", "end_to_end_id", "mandate_id", "creditor_id",
    "bank_reference", "bank_transaction_code", "is_reversal", "batch_id",
    "opening_balance_cents", "closing_balance_cents", "balance_after_cents", "position",
)  # fmt: skip
"""The columns of :attr:`RowBatch.columns`; dates are ISO text (``2024-03-01``)."""

TX_FIELDS = (
    "account", "booking_date", "amount_cents", "currency", "value_date", "counterparty_iban",
    "counterparty_name", "description", "end_to_end_id", "mandate_id", "creditor_id",
    "bank_reference", "bank_transaction_code", "is_reversal", "batch_id",
    "balance_after_cents", "line",
)  # fmt: skip
"""The fields of :class:`RawTransaction` in order: importers that build plain tuples (faster
than records on the hot path) use this order, so ``RawTransaction(*row)`` is the record."""

TxRow = tuple[Any, ...]
"""One transaction as a plain tuple in :data:`TX_FIELDS` order."""

as_row = attrgetter(*TX_FIELDS)
"""A :class:`RawTransaction` as a :data:`TxRow`."""


def account_key(account: str) -> str:
    """The account as stored: IBAN without spaces in upper case, or the BBAN as given."""
    return normalize_iban(account) or account


class StreamRestart(Exception):
    """A streaming reader met what only the whole-file reader handles (e.g. a CAMT statement
    whose account or balances come after its entries); the store starts over without streaming,
    or with ``instead`` where the reader names another way to read the file (a CSV export that
    turned out not to be in date order halfway through its pipelined read).
    """

    def __init__(self, instead: Extraction | None = None) -> None:
        super().__init__()
        self.instead = instead


class Opened(NamedTuple):
    """A statement began: the store claims its account before storing rows of it."""

    account: str
    currency: str
    line: int


@dataclass(frozen=True, slots=True)
class StatementHead:
    """What the store keeps of a statement besides its transactions (see ``StatementRow``)."""

    account: str
    currency: str
    statement_id: str | None
    opening_balance_cents: int | None
    opening_date: dt.date | None
    closing_balance_cents: int | None
    closing_date: dt.date | None
    n_transactions: int
    line: int

    @classmethod
    def of(cls, statement: Statement) -> StatementHead:
        return cls(
            account_key(statement.account),
            statement.currency,
            statement.statement_id,
            statement.opening_balance_cents,
            statement.opening_date,
            statement.closing_balance_cents,
            statement.closing_date,
            len(statement.transactions),
            statement.line,
        )


@dataclass(slots=True)
class RowBatch:
    """Rows ready for the store, column by column (see :data:`STORE_COLUMNS`).

    ``account`` is the account of every row, or ``None`` when ``accounts`` names it per row.
    ``opened`` lists the statements that began before these rows, in file order, so the store
    claims accounts in the order the file names them. ``progress`` is how many bytes of the
    file were read when the batch was made (for a progress bar).
    """

    account: str | None
    accounts: list[str] | None
    columns: tuple[Sequence[Any], ...]
    opened: list[Opened] = field(default_factory=list)
    progress: int = 0
    first_day: str | None = None
    last_day: str | None = None
    parts: list[_Part] | None = None
    """Instead of columns: the rows as read, for a :class:`Batcher` elsewhere to finish (a
    worker process leaves columns and keys to the storing process, which has time to spare)."""

    def __len__(self) -> int:
        if self.parts is not None:
            return sum(part.size for part in self.parts)
        return len(self.columns[0]) if self.columns else 0


def key_of(account: str, day: str, amount: int, occurrence: int) -> str:
    """:func:`ingest.canonical.tx_key` of a day already in ISO text."""
    return hashlib.blake2b(
        f"{account}|{day}|{amount}|{occurrence}".encode(), digest_size=16
    ).hexdigest()


class KeyMaker:
    """Transaction keys for one file, with :func:`ingest.canonical.tx_key`'s exact rule.

    The occurrence counters of each ``account|day|amount`` group live as long as the file is
    read, because a group may recur in any later statement of the same file. They are kept
    per account and day as the set of amounts seen (almost every amount occurs once a day) plus
    the counts of the few that recur: about 60 bytes a transaction.
    """

    def __init__(self) -> None:
        self._once: dict[tuple[str, str], set[int]] = {}
        self._more: dict[tuple[str, str, int], int] = {}

    def keys(
        self,
        account: str,
        days: Sequence[str],
        amounts: Sequence[int],
        occurrences: Sequence[int] | None = None,
    ) -> list[str]:
        """Keys of rows of ``account`` in file order; ``occurrences`` when the caller counted
        them already (a reader that holds the whole file, see ``ingest.csvbanks.stream``)."""
        blake2b = hashlib.blake2b
        if occurrences is not None:
            return [
                blake2b(f"{account}|{day}|{amount}|{n}".encode(), digest_size=16).hexdigest()
                for day, amount, n in zip(days, amounts, occurrences, strict=True)
            ]
        once, more = self._once, self._more
        out: list[str] = []
        append = out.append
        seen: set[int] | None = None
        current = ""
        for day, amount in zip(days, amounts, strict=True):
            if day != current or seen is None:
                current = day
                seen = once.get((account, day))
                if seen is None:
                    seen = once[(account, day)] = set()
            if amount in seen:
                group = (account, day, amount)
                n = more.get(group, 1) + 1
                more[group] = n
            else:
                seen.add(amount)
                n = 1
            append(blake2b(f"{account}|{day}|{amount}|{n}".encode(), digest_size=16).hexdigest())
        return out


_ISO: dict[dt.date | None, str | None] = {None: None}


def iso_days(values: Sequence[dt.date | None]) -> list[str | None]:
    """Dates as ISO text (``None`` stays ``None``); each distinct date is formatted once."""
    cache = _ISO
    try:
        return [cache[d] for d in values]
    except KeyError:
        if len(cache) > 50_000:
            cache.clear()
            cache[None] = None
        for d in set(values):
            if d not in cache:
                cache[d] = d.isoformat() if d is not None else None
        return [cache[d] for d in values]


class Batcher:
    """Collects transaction rows of statements and cuts them into :class:`RowBatch` objects.

    Rows come as :data:`TxRow` tuples (:meth:`add`, the XML and MT940 readers) or as ready
    columns (:meth:`add_columns`, the columnar CSV reader).
    """

    raw = False
    """Hand out rows as read (:attr:`RowBatch.parts`) instead of columns; set in a worker."""

    def __init__(self, size: int = BATCH_ROWS) -> None:
        self.size = size
        self.keys = KeyMaker()
        self._parts: list[_Part] = []
        self._opened: list[Opened] = []
        self._count = 0

    @property
    def full(self) -> bool:
        return self._count >= self.size

    def open(self, account: str, currency: str, line: int) -> None:
        self._opened.append(Opened(account, currency, line))

    def add(
        self, account: str, opening: int | None, closing: int | None, rows: Sequence[TxRow]
    ) -> None:
        """Rows (:data:`TxRow`) of one statement of ``account``, in file order."""
        if not rows:
            return
        parts = self._parts
        self._count += len(rows)
        if parts:
            last = parts[-1]
            if last.rows is not None and last.key == (account, opening, closing):
                last.rows.extend(rows)
                return
        parts.append(_Part((account, opening, closing), list(rows), None, None))

    def add_columns(
        self,
        account: str,
        opening: int | None,
        closing: int | None,
        columns: Sequence[Sequence[Any]],
        occurrences: Sequence[int] | None = None,
    ) -> None:
        """Rows of one statement of ``account`` as :data:`TX_FIELDS` columns, except that the
        two dates are ISO text already; ``occurrences`` as in :meth:`KeyMaker.keys`."""
        if columns and len(columns[0]):
            self._parts.append(_Part((account, opening, closing), None, columns, occurrences))
            self._count += len(columns[0])

    def finish(self, raw: RowBatch) -> RowBatch | None:
        """A batch of rows as read (see :attr:`Batcher.raw`) as columns with their keys."""
        self._opened += raw.opened
        for part in raw.parts or ():
            self._parts.append(part)
            self._count += part.size
        return self.take(raw.progress)

    def take(self, progress: int = 0) -> RowBatch | None:
        """Everything collected so far as one batch (``None`` if there is nothing at all)."""
        if not self._parts and not self._opened:
            return None
        parts, opened = self._parts, self._opened
        self._parts, self._opened, self._count = [], [], 0
        if Batcher.raw:
            return RowBatch(None, None, (), opened, progress, parts=parts)
        blocks = [self._columns(part) for part in parts]
        accounts = {part.key[0] for part in parts}
        if not blocks:
            return RowBatch(None, None, (), opened, progress)
        if len(blocks) == 1:
            columns = blocks[0]
        else:
            columns = tuple(
                list(itertools.chain.from_iterable(c)) for c in zip(*blocks, strict=True)
            )
        days = columns[1]
        if len(accounts) == 1:
            account, per_row = parts[0].key[0], None
        else:
            per_row = [p.key[0] for p, b in zip(parts, blocks, strict=True) for _ in b[0]]
            account = None
        return RowBatch(account, per_row, columns, opened, progress, min(days), max(days))

    def _columns(self, part: _Part) -> tuple[Sequence[Any], ...]:
        account, opening, closing = part.key
        booking: Sequence[Any]
        value: Sequence[Any]
        if part.rows is not None:
            c: Sequence[Sequence[Any]] = list(zip(*part.rows, strict=True))
            booking, value = iso_days(c[1]), iso_days(c[4])
        else:
            assert part.columns is not None
            c = part.columns
            booking, value = c[1], c[4]
        n = len(booking)
        return (
            self.keys.keys(account, cast(Sequence[str], booking), c[2], part.occurrences),
            booking, value, c[2], c[3], c[5], c[6], c[7], c[8], c[9], c[10], c[11],
            c[12], c[13], c[14], [opening] * n, [closing] * n, c[15], c[16],
        )  # fmt: skip


@dataclass(slots=True)
class _Part:
    key: tuple[str, int | None, int | None]
    rows: list[TxRow] | None
    columns: Sequence[Sequence[Any]] | None
    occurrences: Sequence[int] | None

    @property
    def size(self) -> int:
        return len(self.rows) if self.rows is not None else len((self.columns or [[]])[0])


class Extraction(ABC):
    """A file being read: batches first, then (once they are exhausted) what the file said.

    ``bank`` and ``dialect`` may change while reading (a CAMT file names its bank in a
    statement header); they are final when :meth:`batches` is exhausted, as are
    ``statements`` and ``problems``.
    """

    format: SourceFormat
    bank: str
    dialect: str
    worker_from: int | None = None
    """File size in bytes from which reading in a worker process (:mod:`ingest.worker`) pays,
    or ``None`` for never (a reader that is mostly polars, which uses every core already).
    The worker's start, about 0.25 s for an interpreter with polars and lxml, has to be won
    back by parsing beside the storing, so the size depends on how much CPU a byte costs."""

    def __init__(self, format: SourceFormat, bank: str, dialect: str) -> None:
        self.format = format
        self.bank = bank
        self.dialect = dialect
        self.statements: list[StatementHead] = []
        self.problems: list[Problem] = []

    def start(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Begin reading ahead, if the extraction can (a worker process); optional."""

    @abstractmethod
    def batches(self) -> Iterator[RowBatch]:
        """The file's rows in batches, in file order."""

    def close(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Release what reading holds (a worker process); safe to call more than once."""


class ResultExtraction(Extraction):
    """An already extracted file (:class:`ExtractResult`) as batches."""

    def __init__(self, result: ExtractResult, size: int = BATCH_ROWS, progress: int = 0) -> None:
        super().__init__(result.format, result.bank, result.dialect)
        self.result = result
        self.size = size
        self.progress = progress

    def batches(self) -> Iterator[RowBatch]:
        batcher = Batcher(self.size)
        for statement in self.result.statements:
            account = account_key(statement.account)
            batcher.open(account, statement.currency, statement.line)
            txs = statement.transactions
            for start in range(0, len(txs), self.size):
                rows = [as_row(tx) for tx in txs[start : start + self.size]]
                batcher.add(
                    account, statement.opening_balance_cents, statement.closing_balance_cents, rows
                )
                if batcher.full:
                    batch = batcher.take()
                    if batch is not None:
                        yield batch
        last = batcher.take(self.progress)
        if last is not None:
            yield last
        self.statements = [StatementHead.of(s) for s in self.result.statements]
        self.problems = list(self.result.problems)


def transactions_of(rows: Sequence[TxRow]) -> tuple[RawTransaction, ...]:
    """Plain rows back into records, for the classic (whole-file) API."""
    return tuple(RawTransaction(*row) for row in rows)
