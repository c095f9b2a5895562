"""Write the demo world to disk: per household a profile, bank files and benefit data.

Layout::

    OUT/<code>/profile.yaml
    OUT/<code>/bank/<files as the bank names them>
    OUT/<code>/uitkeringen.json
    OUT/ledger.csv          household, account, month, opening, closing, in, out, count (cents)

Households are generated and written one at a time, in worker processes when ``workers > 1``:
memory stays bounded by one household per worker whatever the size of the world, and the ledger
is streamed to disk in household order so the output does not depend on the number of workers.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from hhb.demo import formats
from hhb.demo.benefits import benefits_json
from hhb.demo.ledger import LEDGER_HEADER, file_groups, ledger_rows, monthly_statements
from hhb.demo.model import Household
from hhb.demo.world import DEFAULT_START, generate_household, household_code
from ingest.profile import profile_to_dict

BENEFIT_FILE = "uitkeringen.json"
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: ~10x faster
PROFILE_HEADER = "# Demo-huishouden: fictieve gegevens, gemaakt door 'hhb demo generate'.\n"


@dataclass(frozen=True, slots=True)
class WorldSummary:
    households: int
    transactions: int
    files: int
    seconds: float
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Job:
    seed: int
    index: int
    first: dt.date
    months: int
    out: Path


@dataclass(frozen=True, slots=True)
class _Done:
    code: str
    transactions: int
    files: int
    ledger: tuple[tuple[str, ...], ...]


def write_household(household: Household, out: Path) -> tuple[int, int]:
    """Write one household's files under ``out/<code>``; returns (transactions, bank files)."""
    root = out / household.code
    bank = root / "bank"
    bank.mkdir(parents=True, exist_ok=True)
    n_files = 0
    for account in household.accounts:
        statements = monthly_statements(household, account)
        for group in file_groups(account, statements):
            if not any(s.transactions for s in group):
                continue  # banks offer no download for an account without bookings
            start, end = group[0].opening_date, group[-1].closing_date
            assert start is not None and end is not None
            name = formats.file_name(account.fmt, account.dialect, account.iban, start, end)
            msg_id = f"DEMO{start:%Y%m}{account.iban[-6:]}"
            data = formats.write(account.fmt, account.dialect, group, msg_id)
            (bank / name).write_bytes(data)
            n_files += 1
    profile = yaml.dump(profile_to_dict(household.profile), Dumper=_DUMPER, sort_keys=False,
                        allow_unicode=True)  # fmt: skip
    (root / "profile.yaml").write_text(PROFILE_HEADER + profile, encoding="utf-8")
    (root / BENEFIT_FILE).write_bytes(benefits_json(household))
    return sum(len(t) for t in household.transactions.values()), n_files


def _run(job: _Job) -> _Done:
    household = generate_household(job.seed, job.index, job.first, job.months)
    n_tx, n_files = write_household(household, job.out)
    return _Done(household.code, n_tx, n_files, tuple(r.cells() for r in ledger_rows(household)))


def write_world(out: Path, *, households: int, months: int, seed: int,
                first: dt.date = DEFAULT_START, workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> WorldSummary:  # fmt: skip
    """Generate and write ``households`` households of ``months`` months into ``out``."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    jobs = (_Job(seed, i, first, months, out) for i in range(households))
    n_workers = min(workers or os.cpu_count() or 1, max(households, 1))
    transactions = files = 0
    codes: list[str] = []
    with (out / "ledger.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(LEDGER_HEADER)
        for done in _map(jobs, n_workers, households):
            writer.writerows(done.ledger)
            transactions += done.transactions
            files += done.files
            if len(codes) < 1000:
                codes.append(done.code)
            if progress is not None:
                progress(1)
    return WorldSummary(households, transactions, files, time.perf_counter() - started,
                        tuple(codes))  # fmt: skip


def _map(jobs: Iterator[_Job], workers: int, total: int) -> Iterator[_Done]:
    if workers <= 1:
        yield from map(_run, jobs)
        return
    # Never fork: the parent has polars' (and SQLAlchemy's) threads running, and a forked child
    # can inherit one of their locks held and hang forever (seen in the test suite).
    context = multiprocessing.get_context("spawn")
    chunk = max(1, min(64, total // (workers * 8) or 1))
    with context.Pool(workers) as pool:
        yield from pool.imap(_run, jobs, chunksize=chunk)


def bank_files(out: Path, code: str) -> list[Path]:
    """The bank files of one household in import order (per account, oldest first)."""
    return sorted((out / code / "bank").iterdir()) if (out / code / "bank").exists() else []


__all__ = ["BENEFIT_FILE", "WorldSummary", "bank_files", "household_code", "write_household",
           "write_world"]  # fmt: skip
