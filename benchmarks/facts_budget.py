"""Leefgeld, Nibud minimum and open signals in the household facts (issue 6), in batch.

Two measurements, each in a fresh process (so its peak memory is its own):

1. **Core** (:func:`reports.facts_budget_batch.chunk_rows`) on the bulk demo world of
   ``--households`` x ``--months`` (:func:`hhb.demo.bulk.write_bulk`, the world of
   ``benchmarks/budget.py``, generated once and reused): a Parquet part (whole households, about
   3 750 at full size) is one chunk; for every household of the part its reference month in
   ``--year``, classification, recurring series, budget, Nibud minimum (from
   ``profiles.jsonl``), forecast and signals. Loading 39 million rows into SQLite takes hours,
   so at 100 000 households the store is left out here. The bulk world has no statements: the
   reference month comes from the last booking, no balance is known (no balance signals) and
   no coach set rules or margins.
2. **Store**: a demo database of ``--store-households`` x 12 months imported through the normal
   import path into SQLite; :func:`reports.facts.build_facts` and
   :func:`reports.facts_budget.fill_budget` (the batch path, reading the store a chunk at a
   time), and :func:`reports.facts_budget.household_row` (the household-at-a-time path it
   replaces) for ``--reference`` households, in the same process: ``fill_vs_per_household``.

Figures, one per line as ``name: value unit``: ``core_households``, ``core_rows``,
``core_seconds`` (wall), ``core_cpu_seconds`` (user + system of the process, all threads),
``core_households_per_s``, ``core_100k_seconds`` (extrapolated from the rate),
``core_peak_memory``; ``store_build_facts_seconds``, ``store_fill_seconds``,
``store_fill_cpu_seconds``, ``store_fill_ms_per_household``,
``store_per_household_ms_per_household``, ``fill_vs_per_household`` (ratio),
``store_peak_memory``; the load average at start and end.

Usage: ``python benchmarks/facts_budget.py [--quick] [--households N] [--months M]
[--year Y] [--parts N] [--store-households N] [--reference N] [--world DIR]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.budget import FIRST, _cpu_seconds, _memory_mb, ensure_world, members  # noqa: E402

FIRST_YEAR = FIRST.year
"""The bulk world's first year: its reference month is December, with a year of history after
it (so the signals classify the transactions up to then on their own, the heavier case)."""


def core(world: Path, year: int, parts_limit: int | None) -> None:
    from budget.classify import rules_frame
    from budget.norms import food_minimum_frame
    from reports.facts_budget_batch import MONTHS_SCHEMA, Chunk, chunk_rows
    from store.bulk import STATEMENT_SCHEMA

    everyone = members(world)
    paths = sorted((world / "transactions").glob("part-*.parquet"))[:parts_limit]
    margins = pl.DataFrame(schema={"household": pl.String})

    def minimum(months: pl.DataFrame) -> pl.DataFrame:
        return food_minimum_frame(everyone, months.cast(MONTHS_SCHEMA))  # type: ignore[arg-type]

    def balances(days: dict[str, dt.date]) -> dict[str, int | None]:
        return dict.fromkeys(days)

    started, cpu = time.perf_counter(), _cpu_seconds()
    households = rows = budgets = signals = 0
    for path in paths:
        tx = pl.read_parquet(path)
        pairs = tx.select(pl.col("household").unique(maintain_order=True), year=pl.lit(year))
        chunk = Chunk(
            transactions=tx,
            rules=rules_frame([]),
            statements=pl.DataFrame(schema=STATEMENT_SCHEMA),
            margins=margins,
            minimum=minimum,
            balances=balances,
        )
        out = chunk_rows(chunk, pairs)
        households += out.height
        rows += tx.height
        budgets += int(out["budget_month"].is_not_null().sum())
        signals += int(out["open_signals"].sum() or 0)
        del tx, chunk, out
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    print(f"core_households: {households} households ({len(paths)} parts, year {year})")
    print(f"core_rows: {rows} rows")
    print(f"core_households_with_budget: {budgets} households")
    print(f"core_open_signals: {signals} signals")
    print(f"core_seconds: {wall:.1f} s")
    print(f"core_cpu_seconds: {cpu:.1f} s")
    print(f"core_households_per_s: {households / wall:.0f} households/s")
    print(f"core_100k_seconds: {100_000 * wall / households:.0f} s")
    print(f"core_peak_memory: {_memory_mb('VmHWM'):.0f} MB")


def store(households: int, reference: int, year: int) -> None:
    from hhb.demo.files import write_world
    from hhb.demo.load import load_world
    from reports.facts import build_facts
    from reports.facts_budget import fill_budget, household_row
    from store.db import make_engine, migrate, session_scope

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        world = write_world(folder, households=households, months=12, seed=3,
                            first=dt.date(year, 1, 1), workers=1)  # fmt: skip
        engine = make_engine(f"sqlite:///{folder / 'demo.sqlite3'}")
        migrate(engine)
        load_world(engine, folder, world.codes, "benchmark")
        print(f"store_world_seconds: {time.perf_counter() - started:.1f} s (not measured below)")
        with session_scope(engine) as session:
            t = time.perf_counter()
            facts = build_facts(session, year)
            print(f"store_build_facts_seconds: {time.perf_counter() - t:.2f} s")
            t, cpu = time.perf_counter(), _cpu_seconds()
            filled, _ = fill_budget(session, facts)
            wall, cpu = time.perf_counter() - t, _cpu_seconds() - cpu
            n = filled.frame.height
            print(f"store_households: {n} households")
            print(f"store_fill_seconds: {wall:.2f} s")
            print(f"store_fill_cpu_seconds: {cpu:.2f} s")
            print(f"store_fill_ms_per_household: {1000 * wall / n:.1f} ms")
            codes = facts.frame["household"].to_list()[:reference]
            t, cpu = time.perf_counter(), _cpu_seconds()
            for code in codes:
                household_row(session, code, year)
            one, one_cpu = time.perf_counter() - t, _cpu_seconds() - cpu
            print(f"store_per_household_ms_per_household: {1000 * one / len(codes):.1f} ms")
            print(f"store_per_household_cpu_ms_per_household: {1000 * one_cpu / len(codes):.1f} ms")
            print(f"fill_vs_per_household: {(wall / n) / (one / len(codes)):.3f} x")
        engine.dispose()
    print(f"store_peak_memory: {_memory_mb('VmHWM'):.0f} MB")


def _child(*args: str) -> None:
    result = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                            text=True, check=False)  # fmt: skip
    sys.stdout.write(result.stdout)
    sys.stdout.flush()
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 000 households, store 20")
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=FIRST_YEAR, help="the facts' year")
    parser.add_argument("--world", type=Path, default=None, help="bulk world folder (reused)")
    parser.add_argument("--parts", type=int, default=None, help="only the first N parts")
    parser.add_argument("--store-households", type=int, default=None)
    parser.add_argument("--reference", type=int, default=10, help="households one at a time")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "core":
            core(Path(args.child[1]), args.year, args.parts)
        else:
            store(int(args.child[1]), args.reference, args.year)
        return
    households = args.households or (2_000 if args.quick else 100_000)
    world = args.world or Path(tempfile.gettempdir()) / (
        f"hhb-bench-world-{households}x{args.months}-s{args.seed}"
    )
    print(f"load_average_start: {os.getloadavg()[0]:.2f}")
    ensure_world(world, households, args.months, args.seed)
    common = ["--year", str(args.year), "--reference", str(args.reference)]
    _child("core", str(world), *common, *(["--parts", str(args.parts)] if args.parts else []))
    store_households = args.store_households or (20 if args.quick else 200)
    _child("store", str(store_households), *common)
    print(f"load_average_end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
