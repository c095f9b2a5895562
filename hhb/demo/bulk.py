"""Write the demo world as the tables an import would store, for benchmarks at full size.

``hhb demo generate --parquet``. Layout::

    OUT/transactions/part-NNNNN.parquet   canonical transactions (ingest.canonical schema)
    OUT/benefits/payments/part-NNNNN.parquet, OUT/benefits/decisions/part-NNNNN.parquet
    OUT/profiles.jsonl                    one profile per line, ingest.profile's file format
    OUT/ledger.csv                        as in file mode
    OUT/manifest.json                     size, window and seed of the world

Why: the modules after import (budget, entitlement, reports) need a world of 100 000 households
(about 39 million transactions at 24 months) to benchmark against, and writing 1.75 million
bank files costs most of an hour on this disk, while generating the same rows takes minutes.
The rows are what importing the bank files stores, row for row on household, account, booking
date, amount and ``tx_key``; :mod:`hhb.demo.table` says which other fields the bank files could
not carry.

Household ``i`` depends only on ``(seed, i)`` and part ``k`` holds households
``[k * P, (k + 1) * P)`` with ``P`` fixed by the size of the world, never by the number of
workers: the same seed gives the same Parquet content with one worker or many. A worker streams
one part to disk in batches of a few hundred households (polars ``sink_parquet`` pulling from a
Python source), so its memory is one batch, the writer's row group and the part's benefit rows
(a few hundred MB, whatever the size of the world); ledger and profile lines go to a piece file
per part, which the parent appends in part order. Workers are spawned, so a script that calls
:func:`write_bulk` with ``workers > 1`` needs the usual ``if __name__ == "__main__"`` guard.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import polars as pl
from polars.io.plugins import register_io_source

from hhb.demo.ledger import LEDGER_HEADER, statement_ledger
from hhb.demo.table import (
    DECISION_SCHEMA,
    PAYMENT_SCHEMA,
    account_statements,
    add_benefits,
    add_transactions,
    columns,
    to_frame,
)
from hhb.demo.world import DEFAULT_START, generate_household
from ingest.canonical import TRANSACTION_SCHEMA
from ingest.profile import profile_to_dict

PART_ROWS = 1_500_000
"""Target rows per part file: big enough that a scan opens few files, small enough that the
last part does not keep one worker busy long after the other has finished."""
TX_PER_HOUSEHOLD_MONTH = 16  # mean of the generator (16.3 at seed 1, 24 months), to size parts
BATCH = 250
"""Households per streamed batch: about 100 000 rows at 24 months, some 100 MB as Python lists."""
ROW_GROUP = 250_000
MIN_PARTS = 16


@dataclass(frozen=True, slots=True)
class BulkSummary:
    households: int
    transactions: int
    parts: int
    seconds: float


@dataclass(frozen=True, slots=True)
class _Part:
    number: int
    start: int
    stop: int
    seed: int
    first: dt.date
    months: int
    out: Path


def part_households(households: int, months: int) -> int:
    """Households per part: about :data:`PART_ROWS` rows, and at least :data:`MIN_PARTS` parts
    so that a small world still keeps every worker busy. A whole number of batches when big."""
    wanted = PART_ROWS // (TX_PER_HOUSEHOLD_MONTH * max(months, 1))
    wanted = max(BATCH, wanted // BATCH * BATCH)
    return max(1, min(wanted, -(-households // MIN_PARTS)))


def write_bulk(out: Path, *, households: int, months: int, seed: int,
               first: dt.date = DEFAULT_START, workers: int | None = None,
               per_part: int | None = None,
               progress: Callable[[int], None] | None = None) -> BulkSummary:  # fmt: skip
    """Generate ``households`` households and write them as tables into ``out``.

    Part files left by an earlier run are removed first (only our own ``part-*.parquet``), so
    that a glob over a folder never mixes two worlds.
    """
    started = time.perf_counter()
    size = per_part or part_households(households, months)
    folders = [out / "transactions", out / "benefits" / "payments", out / "benefits" / "decisions"]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("part-*.parquet"):
            stale.unlink()
    parts = [_Part(k, start, min(start + size, households), seed, first, months, out)
             for k, start in enumerate(range(0, households, size))]  # fmt: skip
    n_workers = min(workers or os.cpu_count() or 1, max(len(parts), 1))
    transactions = 0
    with (
        (out / "ledger.csv").open("w", encoding="utf-8", newline="") as ledger,
        (out / "profiles.jsonl").open("w", encoding="utf-8") as profiles,
    ):
        csv.writer(ledger, lineterminator="\n").writerow(LEDGER_HEADER)
        for part, done in zip(parts, _map(parts, n_workers), strict=True):
            for piece, target in ((_piece(part, "ledger"), ledger),
                                  (_piece(part, "profiles"), profiles)):  # fmt: skip
                with piece.open(encoding="utf-8", newline="") as fh:
                    shutil.copyfileobj(fh, target)
                piece.unlink()
            transactions += done
            if progress is not None:
                progress(part.stop - part.start)
    manifest = {"formaat": "hhb-demo-bulk", "versie": 1, "huishoudens": households,
                "maanden": months, "eerste_maand": first.isoformat(), "seed": seed,
                "transacties": transactions, "delen": len(parts)}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BulkSummary(households, transactions, len(parts), time.perf_counter() - started)


def _piece(part: _Part, kind: str) -> Path:
    """A worker's share of ledger.csv or profiles.jsonl, appended by the parent in part order."""
    return part.out / f".{kind}-{part.number:05d}.partial"


def _map(parts: list[_Part], workers: int) -> Iterator[int]:
    if workers <= 1:
        yield from map(_write_part, parts)
        return
    # spawn, not fork: the parent may have started polars' thread pool, which a fork would copy
    # in an unknown state; a fresh interpreter per worker costs a second, once.
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, maxtasksperchild=None) as pool:
        yield from pool.imap(_write_part, parts, chunksize=1)


def _write_part(part: _Part) -> int:
    """Write one part's tables and its ledger and profile pieces; returns its transactions."""
    with (
        _piece(part, "ledger").open("w", encoding="utf-8", newline="") as ledger,
        _piece(part, "profiles").open("w", encoding="utf-8") as profiles,
    ):
        return _write_tables(part, ledger, profiles)


def _write_tables(part: _Part, ledger: TextIO, profiles: TextIO) -> int:
    tables = _Tables(part, ledger, profiles)

    def batches(*_: Any) -> Iterator[pl.DataFrame]:
        for start in range(part.start, part.stop, BATCH):
            yield tables.batch(start, min(start + BATCH, part.stop))

    name = f"part-{part.number:05d}.parquet"
    _sink(register_io_source(batches, schema=TRANSACTION_SCHEMA), part.out / "transactions" / name)
    benefits = part.out / "benefits"
    _sink(pl.concat(tables.payments).lazy(), benefits / "payments" / name)
    _sink(pl.concat(tables.decisions).lazy(), benefits / "decisions" / name)
    return tables.transactions


class _Tables:
    """One part's output while it is being generated, a batch of households at a time."""

    def __init__(self, part: _Part, ledger: TextIO, profiles: TextIO) -> None:
        self.part, self.profiles = part, profiles
        self.ledger = csv.writer(ledger, lineterminator="\n")
        self.payments: list[pl.DataFrame] = []  # per batch: Arrow takes a tenth of Python lists
        self.decisions: list[pl.DataFrame] = []
        self.transactions = 0

    def batch(self, start: int, stop: int) -> pl.DataFrame:
        """Households ``start``..``stop - 1``: their transactions as a frame, the rest kept."""
        part = self.part
        rows = columns(TRANSACTION_SCHEMA)
        paid, decided = columns(PAYMENT_SCHEMA), columns(DECISION_SCHEMA)
        for index in range(start, stop):
            household = generate_household(part.seed, index, part.first, part.months)
            statements = account_statements(household)
            self.transactions += add_transactions(rows, household, statements)
            add_benefits(paid, decided, household)
            for _account, monthly in statements:
                self.ledger.writerows(r.cells() for r in statement_ledger(household.code, monthly))
            profile = json.dumps(profile_to_dict(household.profile), ensure_ascii=False)
            self.profiles.write(profile + "\n")
        self.payments.append(to_frame(paid, PAYMENT_SCHEMA))
        self.decisions.append(to_frame(decided, DECISION_SCHEMA))
        return to_frame(rows, TRANSACTION_SCHEMA)


def _sink(frame: pl.LazyFrame, path: Path) -> None:
    """Write to a temporary name first: a part file that exists is a complete part file."""
    partial = path.with_name(path.name + ".partial")
    frame.sink_parquet(partial, row_group_size=ROW_GROUP, statistics=True)
    partial.replace(path)


__all__ = ["BulkSummary", "part_households", "write_bulk"]
