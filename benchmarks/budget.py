"""The budget pipeline at product size: classification, monthly tables, recurring detection and
the budget (with the Nibud comparison) for N households x 24 months of the demo world, and the
latency of one household's month overview from a SQLite database.

Targets (issue 4): 100 000 households x 24 months in under 60 s and 4 GB on two cores; the
month overview of one household under 50 ms.

How it runs:

1. The demo world in bulk (:func:`hhb.demo.bulk.write_bulk`, the tables an import would store)
   is generated once into ``--world`` (default: a folder in the temp directory named after size
   and seed) and reused while its manifest matches; generation is not part of the pipeline.
2. A fresh process reads the world a Parquet part at a time (each part holds whole households,
   about 1.5 million rows; only the columns the steps read) and runs every step on the part;
   each step's results are written to Parquet as a batch job would. Every step works on all
   households of a part at once; parts only bound the memory. By default the parts run in
   ``--processes`` worker processes (:func:`budget.batch.run_parts`, default 2), each with one
   part and one thread at a time; ``--threads T`` instead runs T parts at a time in threads of
   the one process (the driver before, for comparison). ``--inner-threads`` sets the threads
   within a part (default: one in a worker process, polars' own with ``--threads``).
3. The overview: a few demo households' bank files imported into SQLite through the normal
   import path; then :func:`budget.overview.month_overview` for one household and one month,
   as ``hhb overview`` does it (classification, saldo, table), repeated; median and p95. The
   same for the work of ``hhb budget`` for one household.

Prints one figure per line, ``name: value unit``: ``budget_<step>_seconds`` per step (read,
classify, tables, recurring, budget, write; summed over the parts, so with two threads they add
up to about twice the total) and each step's share as a ratio, ``budget_total_seconds`` (wall),
``budget_cpu_seconds`` and ``budget_cpu_per_wall`` (CPU over all threads and worker processes;
on a shared machine steadier than wall time), ``budget_<step>_cpu_seconds`` (user + system time
of the process during each step; with worker processes or ``--threads 1`` only),
``budget_rows_per_s``, ``budget_peak_memory`` (VmHWM of the pipeline process plus the VmHWM of
every worker process: the tree's peak if all peaked at once), ``overview_median_ms`` /
``overview_p95_ms``, ``household_budget_median_ms`` / ``household_budget_p95_ms``, and the load
average at start and end, since the machine is shared.
Usage: ``python benchmarks/budget.py [--quick] [--households N] [--months M] [--world DIR]
[--processes P | --threads T] [--inner-threads I] [--parts N]``; ``--parts N`` runs the
pipeline on the first N parts only (and skips the overview), to measure the steps quickly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from budget.batch import (  # noqa: E402
    READ_COLUMNS,
    STEP_NAMES,
    PartResult,
    read_part,
    run_part,
    run_parts,
)
from budget.norms import MEMBER_SCHEMA  # noqa: E402

__all__ = ["READ_COLUMNS", "read_part"]

FIRST = dt.date(2024, 1, 1)
PROCESSES = 2
"""Worker processes (:func:`budget.batch.run_parts`), one part and one thread each."""
THREADS = 1
"""Parts in flight at once in one process, with ``--threads`` (the driver before worker
processes, kept for comparison). Measured at full size on the shared two-core machine: two parts
at once took the same wall time as one (each step already keeps about 1.5 cores busy) and 1 GB
more memory."""
INNER_THREADS = 0
"""Threads within one part, 0 for the defaults (with ``--processes``: one; with ``--threads``:
polars one per core, classification and recurring detection two chunks at once). Otherwise
polars' pool size (``POLARS_MAX_THREADS``, read when polars is first imported) and the chunk
threads of classification and recurring detection (``HHB_CLASSIFY_THREADS``,
``HHB_RECURRING_THREADS``). Two parts of one thread each spend no CPU on handing work between
threads, but on the shared machine (load 14-20) three parts took 15.2-16.1 s CPU that way
against 14.2-16.9 s for the defaults: no difference that the noise lets one see."""


ALLOCATOR = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
"""polars' allocator (jemalloc, configured by ``_RJEM_MALLOC_CONF``) in the pipeline process:
keep freed pages for the next part instead of handing them back to the system. By default it
returns them within seconds, and every part then faults them in and zeroes them again: a
quarter of the pipeline's CPU samples were in the kernel, mostly ``madvise`` and page faults.
Measured on 3 parts, back to back at load 14-19: 2.7 s system time instead of 3.2-4.3 s, peak
memory 1.41-1.44 GB instead of 1.24-1.27 GB. A ``_RJEM_MALLOC_CONF`` already set is kept."""


def inner_environment(threads: int) -> dict[str, str]:
    """The environment of a pipeline process whose steps use ``threads`` threads per part
    (0: the defaults), with :data:`ALLOCATOR`."""
    env = {"_RJEM_MALLOC_CONF": ALLOCATOR} | dict(os.environ)
    if threads <= 0:
        return env
    names = ("POLARS_MAX_THREADS", "HHB_CLASSIFY_THREADS", "HHB_RECURRING_THREADS")
    return env | dict.fromkeys(names, str(threads))


def _cpu_seconds() -> float:
    """User + system time of the whole process (every polars and numpy thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _memory_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_world(folder: Path, households: int, months: int, seed: int) -> None:
    """Generate the bulk world unless ``folder`` already holds this one."""
    manifest = folder / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())
        if (m["huishoudens"], m["maanden"], m["seed"]) == (households, months, seed):
            print(f"world_reused: {m['transacties']} rows")
            return
    from hhb.demo.bulk import write_bulk

    started = time.perf_counter()
    summary = write_bulk(folder, households=households, months=months, seed=seed, first=FIRST)
    print(f"world_generate_seconds: {time.perf_counter() - started:.1f} s")
    print(f"world_rows: {summary.transactions} rows")


def members(folder: Path) -> pl.DataFrame:
    """The members of every profile in ``profiles.jsonl`` (:data:`budget.norms.MEMBER_SCHEMA`),
    read column-wise: no Python per household."""
    member = pl.Struct({"geboortedatum": pl.String, "lid_vanaf": pl.String, "lid_tot": pl.String})
    raw = pl.read_ndjson(
        folder / "profiles.jsonl",
        schema={"huishouden": pl.String, "leden": pl.List(member)},
    )
    return (
        raw.explode("leden")
        .unnest("leden")
        .select(
            household="huishouden",
            birth_date=pl.col("geboortedatum").str.to_date(),
            member_from=pl.col("lid_vanaf").str.to_date(strict=False),
            member_until=pl.col("lid_tot").str.to_date(strict=False),
        )
        .cast(MEMBER_SCHEMA)  # type: ignore[arg-type]
    )


def _children_cpu_seconds() -> float:
    """User + system time of the finished (waited for) child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(
    world: Path,
    out: Path,
    threads: int | None,
    processes: int,
    inner_threads: int,
    parts_limit: int | None = None,
) -> None:
    """The pipeline over all parts: ``processes`` worker processes (:func:`budget.batch.run_parts`)
    or, with ``threads``, that many parts at a time in threads of this process; prints the
    figures.

    With one part at a time per process the step times add up to the process's total; with
    parts in parallel the summed step times exceed the wall time and only their shares say
    where the work goes.
    """
    everyone = members(world)
    for folder in ("tables", "budget"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    paths = sorted((world / "transactions").glob("part-*.parquet"))[:parts_limit]
    started, cpu = time.perf_counter(), _cpu_seconds() + _children_cpu_seconds()
    if threads is not None:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(lambda p: run_part(p, everyone, out), paths))
        how = (
            f"{threads} at a time in threads, "
            f"{os.environ.get('POLARS_MAX_THREADS', 'all')} polars threads each"
        )
    else:
        parts = run_parts(paths, everyone, out, processes=processes, threads=inner_threads or 1)
        how = f"{processes} worker processes, {inner_threads or 1} thread each"
    total = time.perf_counter() - started
    cpu = _cpu_seconds() + _children_cpu_seconds() - cpu
    rows = sum(p.rows for p in parts)
    steps = {name: sum(p.seconds[name] for p in parts) for name in STEP_NAMES}
    busy = sum(steps.values())
    print(f"budget_rows: {rows} rows")
    print(f"budget_households: {sum(p.households for p in parts)} households")
    print(f"budget_lines: {sum(p.lines for p in parts)} lines")
    print(f"budget_parts: {len(parts)} parts, {how}")
    for name in STEP_NAMES:
        print(f"budget_{name}_seconds: {steps[name]:.1f} s")
    for name in STEP_NAMES:
        print(f"budget_{name}_share: {steps[name] / busy:.2f} x")
    # A step's CPU is its process's: exact when each process runs one part at a time.
    if threads is None or threads == 1:
        for name in STEP_NAMES:
            print(f"budget_{name}_cpu_seconds: {sum(p.cpu[name] for p in parts):.1f} s")
    print(f"budget_total_seconds: {total:.1f} s")
    print(f"budget_cpu_seconds: {cpu:.1f} s")
    print(f"budget_cpu_per_wall: {cpu / total:.2f} x")
    print(f"budget_rows_per_s: {rows / total:.0f} rows/s")
    print(f"budget_peak_memory: {_peak_memory(parts):.0f} MB")


def _peak_memory(parts: list[PartResult]) -> float:
    """This process's VmHWM plus, per worker process, its VmHWM after its last part: the peak
    of the whole tree when every process peaks at once (an upper bound on the real one)."""
    workers: dict[int, float] = {}
    for part in parts:
        if part.pid != os.getpid():
            workers[part.pid] = max(workers.get(part.pid, 0.0), part.peak_mb)
    return _memory_mb("VmHWM") + sum(workers.values())


def overview_latency(households: int, runs: int) -> None:
    """Median and p95 of one household's month overview and budget from SQLite."""
    from budget.overview import month_overview
    from budget.plan_household import household_budget
    from hhb.demo.files import write_world
    from hhb.demo.load import load_world
    from store.classification import classified_transactions
    from store.db import make_engine, migrate, session_scope
    from store.profiles import profile_for_month
    from store.transactions import balance_at_start, month_bounds

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        world = write_world(folder, households=households, months=24, seed=7, first=FIRST,
                            workers=1)  # fmt: skip
        engine = make_engine(f"sqlite:///{folder / 'demo.sqlite3'}")
        migrate(engine)
        load_world(engine, folder, world.codes, "benchmark")
        code = world.codes[1]
        month = "2025-11"
        start, end = month_bounds(month)

        def overview() -> None:
            with session_scope(engine) as session:
                classified = classified_transactions(session, code, start, end)
                opening = balance_at_start(session, code, start)
            month_overview(code, classified, (start,), opening)

        def budget() -> None:
            with session_scope(engine) as session:
                classified = classified_transactions(session, code)
                household_budget(classified, code, start,
                                 profile=profile_for_month(session, code, start))  # fmt: skip

        for name, work in (("overview", overview), ("household_budget", budget)):
            work()  # warm: imports, registry tables, SQLite page cache
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                work()
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(f"{name}_median_ms: {statistics.median(times):.1f} ms")
            print(f"{name}_p95_ms: {p95:.1f} ms")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 000 households")
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path, default=None, help="bulk world folder (reused)")
    parser.add_argument("--runs", type=int, default=50, help="overview repetitions")
    parser.add_argument(
        "--processes", type=int, default=PROCESSES, help="worker processes, one part each"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help=f"instead of worker processes: parts in flight at once in one process ({THREADS})",
    )
    parser.add_argument(
        "--inner-threads",
        type=int,
        default=INNER_THREADS,
        help="threads within one part (0: the defaults)",
    )
    parser.add_argument(
        "--parts", type=int, default=None, help="only the first N parts (to measure a step)"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(
            Path(args.child[0]),
            Path(args.child[1]),
            args.threads,
            args.processes,
            args.inner_threads,
            args.parts,
        )
        return
    households = args.households or (2_000 if args.quick else 100_000)
    world = args.world or Path(tempfile.gettempdir()) / (
        f"hhb-bench-world-{households}x{args.months}-s{args.seed}"
    )
    print(f"load_average_start: {os.getloadavg()[0]:.2f}")
    ensure_world(world, households, args.months, args.seed)
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(world), out]
            + ["--processes", str(args.processes), "--inner-threads", str(args.inner_threads)]
            + (["--threads", str(args.threads)] if args.threads is not None else [])
            + (["--parts", str(args.parts)] if args.parts else []),
            capture_output=True,
            text=True,
            check=False,
            env=inner_environment(args.inner_threads if args.threads is not None else 0),
        )
    sys.stdout.write(result.stdout)
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)
    if not args.parts:  # a few parts measure the pipeline steps only
        overview_latency(3, 10 if args.quick else args.runs)
    print(f"load_average_end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
