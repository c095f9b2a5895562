"""The regelingen fill of the household facts (issue 6): the batch path against the per-household
path, on a demo world imported into SQLite through the normal import path.

How it runs: a demo world of N households x M months (``hhb.demo``, bank files imported as an
import would, :func:`hhb.demo.load.load_world`) is built once into ``--world`` and reused while
its marker matches. Then, in this process and back to back on the same households:

1. ``facts_regelingen_batch``: :func:`reports.facts_regelingen.fill_regelingen` (per chunk of
   households: the store read at once, one engine run, the outcomes derived at once); split
   into the store reads (``load``: :func:`entitlement.batch_inputs.load_households` per chunk: a few
   queries, one classification, one income computation) and the batch core (``core``: engine
   inputs, one engine run, outcomes, clawback, income against the social minimum:
   :func:`reports.facts_regelingen_batch.chunk_update`);
2. ``facts_regelingen_per_household``: :func:`reports.facts_regelingen.household_row` for every
   household (the previous fill, through :func:`entitlement.loket.household_outcomes`), on the
   first ``--reference`` households only (it is slow), as ms per household.

Not measured here: 100 000 households (building a SQLite world of that size through the import
path takes hours on this machine), nor the batch core on the Parquet parts of
:mod:`hhb.demo.bulk` (it needs a reader from those parts into
:class:`entitlement.household.HouseholdData`, not written yet).

Prints ``name: value unit`` per line: wall and CPU seconds (user + system, all threads) per
part, ms per household, the batch core's households per second, peak memory (VmHWM) and the
load average at start and end.
Usage: ``python benchmarks/facts_regelingen.py [--households N] [--months M] [--world DIR]
[--reference N] [--chunk N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from entitlement.batch_inputs import load_households  # noqa: E402
from entitlement.rules.registry import default_rules  # noqa: E402
from reports.facts import build_facts  # noqa: E402
from reports.facts_regelingen import (  # noqa: E402
    INVISIBLE,
    INVISIBLE_FIELDS,
    fill_regelingen,
    household_row,
)
from reports.facts_regelingen_batch import CHUNK, chunk_update  # noqa: E402
from store.db import make_engine, migrate, session_scope  # noqa: E402

FIRST = dt.date(2024, 1, 1)
YEAR = 2024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_memory_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_world(folder: Path, households: int, months: int, seed: int) -> Path:
    """The SQLite database of the demo world, built unless ``folder`` already holds it."""
    database = folder / "demo.sqlite3"
    marker = folder / "world.txt"
    want = f"{households} {months} {seed}"
    if database.exists() and marker.exists() and marker.read_text() == want:
        print("world_reused: 1")
        return database
    from hhb.demo.files import write_world
    from hhb.demo.load import load_world

    folder.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    world = write_world(
        folder, households=households, months=months, seed=seed, first=FIRST, workers=1
    )
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    load_world(engine, folder, world.codes, "benchmark")
    engine.dispose()
    marker.write_text(want)
    print(f"world_build_seconds: {time.perf_counter() - started:.1f} s")
    return database


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.3f} {unit}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--months", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--reference", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=CHUNK)
    args = parser.parse_args()
    folder = args.world or Path(tempfile.gettempdir()) / (
        f"hhb-facts-regelingen-{args.households}x{args.months}-s{args.seed}"
    )
    print(f"facts_regelingen_load_1min_start: {os.getloadavg()[0]:.2f}")
    database = ensure_world(folder, args.households, args.months, args.seed)
    rules = default_rules()
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        facts = build_facts(session, YEAR)
        n = facts.frame.height
        figure("facts_regelingen_households", n, "households")

        wall, cpu = time.perf_counter(), cpu_seconds()
        fill_regelingen(session, facts, rules, chunk=args.chunk)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        figure("facts_regelingen_batch_seconds", wall, "s")
        figure("facts_regelingen_batch_cpu_seconds", cpu, "s")
        figure("facts_regelingen_batch_ms_per_household", 1000 * wall / n, "ms")

        # the same, split into the store reads and the batch core
        rows = facts.frame.select(
            "household", "year", "municipality", "net_income_year_cents", "months_observed"
        )
        load_wall = load_cpu = core_wall = core_cpu = 0.0
        for offset in range(0, n, args.chunk):
            part = rows.slice(offset, args.chunk)
            w, c = time.perf_counter(), cpu_seconds()
            loaded = load_households(session, part["household"].to_list(), YEAR)
            datas = [loaded[c] for c in part["household"] if c in loaded]
            load_wall += time.perf_counter() - w
            load_cpu += cpu_seconds() - c
            w, c = time.perf_counter(), cpu_seconds()
            chunk_update(part, datas, rules, INVISIBLE, INVISIBLE_FIELDS)
            core_wall += time.perf_counter() - w
            core_cpu += cpu_seconds() - c
        figure("facts_regelingen_load_seconds", load_wall, "s")
        figure("facts_regelingen_load_cpu_seconds", load_cpu, "s")
        figure("facts_regelingen_load_ms_per_household", 1000 * load_wall / n, "ms")
        figure("facts_regelingen_core_seconds", core_wall, "s")
        figure("facts_regelingen_core_cpu_seconds", core_cpu, "s")
        figure("facts_regelingen_core_ms_per_household", 1000 * core_wall / n, "ms")
        figure("facts_regelingen_core_households_per_s", n / core_wall, "households/s")

        reference = facts.frame.head(args.reference).select("household", "municipality")
        wall, cpu = time.perf_counter(), cpu_seconds()
        for code, municipality in reference.iter_rows():
            household_row(session, code, YEAR, municipality, rules)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        m = reference.height
        figure("facts_regelingen_per_household_households", m, "households")
        figure("facts_regelingen_per_household_seconds", wall, "s")
        figure("facts_regelingen_per_household_cpu_seconds", cpu, "s")
        figure("facts_regelingen_per_household_ms_per_household", 1000 * wall / m, "ms")
    engine.dispose()
    figure("facts_regelingen_peak_memory", peak_memory_mb(), "MB")
    print(f"facts_regelingen_load_1min_end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
