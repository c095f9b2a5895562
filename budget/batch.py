"""The budget pipeline as a batch job over Parquet parts, in worker processes.

A municipality's transactions are stored in parts of whole households (as
:func:`hhb.demo.bulk.write_bulk` writes them, about 1.5 million rows a part). Every step works on
all households of a part at once, so a part can be computed on its own:

1. read the part (only :data:`READ_COLUMNS`);
2. classification (:func:`budget.classify.classify`), month tables
   (:func:`budget.tables.monthly_tables`), recurring series
   (:func:`budget.recurring.detect_recurring`) and the budget with the Nibud food minimum
   (:func:`budget.plan.budget_frame`, :func:`budget.norms.food_minimum_frame`);
3. write the results per part (:func:`part_outputs`), named after the part: the result of a
   part does not depend on which process ran it or in which order.

:func:`run_parts` runs the parts in ``processes`` worker processes (``spawn``), each with one
part in memory at a time and one thread within the part (``POLARS_MAX_THREADS`` and the chunk
threads of classification and recurring detection set to 1, see :func:`worker_environment`):
two processes with one thread each keep two cores busy without the hand-overs between threads
of one process, and peak memory is about the number of processes times one part. A part that
fails stops the run with a :class:`BatchError` naming the part; a worker that dies (killed, out
of memory) does too, no run waits for it.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from budget import classify as classify_module
from budget import plan, recurring, tables
from budget.classify import classify
from budget.norms import food_minimum_frame
from budget.plan import budget_frame
from budget.recurring import detect_recurring
from budget.tables import monthly_tables

__all__ = [
    "READ_COLUMNS",
    "STEP_NAMES",
    "BatchError",
    "PartResult",
    "part_outputs",
    "read_part",
    "run_part",
    "run_parts",
    "worker_environment",
]

STEP_NAMES: Final = ("read", "classify", "tables", "recurring", "budget", "write")
READ_COLUMNS: Final[frozenset[str]] = frozenset(
    classify_module.INPUT_COLUMNS
    + recurring.INPUT_COLUMNS
    + tables.INPUT_COLUMNS
    + plan.INPUT_COLUMNS
)
"""The columns a step reads (classification's output columns among them); a part is read with
only those (:func:`read_part`), a third of the CPU of reading every column."""

THREAD_VARIABLES: Final = ("POLARS_MAX_THREADS", "HHB_CLASSIFY_THREADS", "HHB_RECURRING_THREADS")
"""polars' pool size (read when polars is first imported) and the chunk threads of
classification and recurring detection."""


class BatchError(RuntimeError):
    """A part of a batch run failed; the message (Dutch, one line) names the part."""


def read_part(path: Path) -> pl.DataFrame:
    """The columns of :data:`READ_COLUMNS` that a Parquet part holds, in its order."""
    schema = pl.read_parquet_schema(path)
    return pl.read_parquet(path, columns=[name for name in schema if name in READ_COLUMNS])


def part_outputs(out: Path, part: str) -> dict[str, Path]:
    """Where the results of the part named ``part`` (its file name) are written."""
    return {
        "table_lines": out / "tables" / f"lines-{part}",
        "table_summary": out / "tables" / f"summary-{part}",
        "budget_totals": out / "budget" / f"totals-{part}",
        "budget_lines": out / "budget" / f"lines-{part}",
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    """VmHWM of this process (its peak resident memory) in MB; NaN where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class PartResult:
    """What one part took: wall and CPU seconds per step (CPU of the whole process, so only
    meaningful when the process runs one part at a time), sizes, the process that ran it with
    its peak memory so far and polars' thread count there."""

    part: str
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEP_NAMES, 0.0))
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEP_NAMES, 0.0))
    rows: int = 0
    households: int = 0
    lines: int = 0
    pid: int = 0
    peak_mb: float = 0.0
    polars_threads: int = 0

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), _cpu_seconds()
        yield
        self.seconds[name] += time.perf_counter() - started
        self.cpu[name] += _cpu_seconds() - cpu


def run_part(path: Path, members: pl.DataFrame, out: Path) -> PartResult:
    """Every step on one part (whole households); the results written to
    :func:`part_outputs` (folders ``tables`` and ``budget`` under ``out`` must exist).

    ``members`` holds the household members (:data:`budget.norms.MEMBER_SCHEMA`) for the
    Nibud food minimum; households without members get none.
    """
    result = PartResult(path.name, pid=os.getpid(), polars_threads=pl.thread_pool_size())
    with result.step("read"):
        frame = read_part(path)
    result.rows = frame.height
    with result.step("classify"):
        classified = classify(frame, [])
    del frame
    with result.step("tables"):
        month_tables = monthly_tables(classified)
    with result.step("recurring"):
        series = detect_recurring(classified)
    with result.step("budget"):
        totals, lines = budget_frame(classified, series)
        norm = food_minimum_frame(members, totals.select("household", "month"))
        totals = totals.join(norm, on=["household", "month"], how="left").with_columns(
            gap_month_cents=pl.col("leefgeld_month_cents") - pl.col("month_cents"),
            gap_week_cents=pl.col("leefgeld_week_cents") - pl.col("week_cents"),
        )
    del classified, series
    with result.step("write"):
        target = part_outputs(out, path.name)
        month_tables.lines.write_parquet(target["table_lines"])
        month_tables.summary.write_parquet(target["table_summary"])
        totals.write_parquet(target["budget_totals"])
        lines.write_parquet(target["budget_lines"])
    result.households, result.lines = totals.height, lines.height
    result.peak_mb = _peak_mb()
    return result


_members: pl.DataFrame | None = None
"""The members frame of a worker process, sent once when it starts (:func:`_start_worker`)."""


def _start_worker(members: pl.DataFrame) -> None:
    global _members
    _members = members


def _worker_part(path: Path, out: Path) -> PartResult:
    assert _members is not None, "worker started without members"
    return run_part(path, _members, out)


def worker_environment(threads: int = 1) -> dict[str, str]:
    """The variables a worker process gets: ``threads`` threads within its part for polars and
    for the chunks of classification and recurring detection (0: leave the defaults)."""
    return dict.fromkeys(THREAD_VARIABLES, str(threads)) if threads > 0 else {}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` while worker processes start (they copy it then)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _failure(path: Path, exc: BaseException) -> BatchError:
    if isinstance(exc, BrokenProcessPool):
        return BatchError(
            f"Een rekenproces stopte onverwacht (bijvoorbeeld door geheugentekort); deel "
            f"{path.name} is niet berekend en de batch is afgebroken."
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    return BatchError(f"Deel {path.name} is mislukt: {text}")


def run_parts(
    paths: Sequence[Path],
    members: pl.DataFrame,
    out: Path,
    *,
    processes: int = 2,
    threads: int = 1,
) -> list[PartResult]:
    """:func:`run_part` on every part in ``processes`` worker processes, ``threads`` threads
    within each (see :func:`worker_environment`); results in the order of ``paths``.

    Raises :class:`BatchError` when a part fails or a worker dies; the parts not yet started
    are cancelled, the running ones finish first.
    """
    if processes < 1:
        raise ValueError("processes must be at least 1")
    for folder in ("tables", "budget"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    if not paths:
        return []
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=min(processes, len(paths)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(members,),
    )
    futures: dict[Future[PartResult], Path] = {}
    try:
        with _environment(worker_environment(threads)):
            for path in paths:
                futures[pool.submit(_worker_part, path, out)] = path
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future in done and future.exception() is not None:
                exc = future.exception()
                assert exc is not None
                raise _failure(futures[future], exc) from exc
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
