"""The nightly facts refresh (issue 6) in one process against several: ``hhb facts refresh
--processes N`` as a user runs it, on a demo world imported into SQLite.

How it runs: the demo world of N households x M months is built once into ``--world`` (the
builder of ``benchmarks/facts_regelingen.py``, through the normal import path) and reused while
its marker matches. Then, back to back on the same database, for each ``--processes`` value:
``hhb facts refresh --year 2024 --processes P`` as a child process; the wall time of the command,
the CPU seconds (user + system) of the whole process tree (the command and its worker
processes, from ``wait4``), the largest resident size of any one process of it, and
the 1-minute load before and after. After every run the kept snapshots are read and compared
with those of the first run: frames equal, every column (else the benchmark fails).

The 100 000-household figure is extrapolated linearly from the measured ms per household (not
measured: building a SQLite world of that size through the import path takes hours here).

Prints ``name: value unit`` per line, and the ratios of each run to the first. Usage:
``python benchmarks/facts_refresh.py [--households N] [--months M] [--world DIR]
[--processes 1 2] [--part N] [--quick]`` (``--part``: households per worker task, default
:data:`reports.facts_parallel.PART`; ``--quick``: 40 households in parts of 10).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import polars as pl  # noqa: E402
from polars.testing import assert_frame_equal  # noqa: E402

from benchmarks.facts_regelingen import YEAR, ensure_world, figure  # noqa: E402
from reports.facts_parallel import PART  # noqa: E402
from reports.facts_snapshot import stored  # noqa: E402
from store import facts_snapshots  # noqa: E402
from store.db import make_engine, session_scope  # noqa: E402

EXTRAPOLATE_TO = 100_000


def kept_frames(database: Path) -> dict[str, pl.DataFrame]:
    engine = make_engine(f"sqlite:///{database}")
    frames: dict[str, pl.DataFrame] = {}
    with session_scope(engine) as session:
        for municipality, year, *_ in facts_snapshots.snapshots(session):
            found = stored(session, municipality, year)
            if year == YEAR and found is not None:
                frames[municipality] = found.facts.frame
    engine.dispose()
    return frames


CHILD = (
    "import sys\n"
    "from reports import facts_parallel\n"
    "from hhb.cli import main\n"
    "facts_parallel.PART = int(sys.argv[1])\n"
    "main(args=sys.argv[2:], prog_name='hhb')\n"
)
"""``hhb`` in a child process with the households per worker task set (``--part``)."""


def run_refresh(database: Path, processes: int, part: int) -> tuple[float, float, float]:
    """One ``hhb facts refresh`` as a child process: (wall s, CPU s of its process tree,
    largest resident MB of any one process of it), from ``wait4`` on the command, which
    includes the worker processes it waited for."""
    command = [sys.executable, "-c", CHILD, str(part), "--db", str(database), "--user",
               "benchmark", "facts", "refresh", "--year", str(YEAR), "--processes",
               str(processes)]  # fmt: skip
    with tempfile.TemporaryFile("w+") as output:
        wall = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - wall
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            output.seek(0)
            raise SystemExit(f"hhb facts refresh --processes {processes} failed: {output.read()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--part", type=int, default=PART, help="households per worker task")
    parser.add_argument("--quick", action="store_true", help="40 households, parts of 10")
    args = parser.parse_args()
    if args.quick:
        args.households, args.part = 40, 10
    folder = args.world or Path(tempfile.gettempdir()) / (
        f"hhb-facts-refresh-{args.households}x{args.months}-s{args.seed}"
    )
    database = ensure_world(folder, args.households, args.months, args.seed)
    print(f"facts_refresh_cores: {len(os.sched_getaffinity(0))}")
    reference: dict[str, pl.DataFrame] | None = None
    first: tuple[float, float] | None = None
    for processes in args.processes:
        name = f"facts_refresh_p{processes}"
        print(f"{name}_load_1min_start: {os.getloadavg()[0]:.2f}")
        wall, cpu, peak = run_refresh(database, processes, args.part)
        print(f"{name}_load_1min_end: {os.getloadavg()[0]:.2f}")
        frames = kept_frames(database)
        households = sum(f.height for f in frames.values())
        if reference is None:
            reference = frames
        else:
            assert frames.keys() == reference.keys()
            for municipality, frame in frames.items():
                assert_frame_equal(frame, reference[municipality])
            print(f"{name}_same_facts_as_p{args.processes[0]}: 1")
        figure(f"{name}_households", households, "households")
        figure(f"{name}_seconds", wall, "s")
        figure(f"{name}_cpu_seconds", cpu, "s")
        figure(f"{name}_ms_per_household", 1000 * wall / households, "ms")
        figure(f"{name}_peak_process_memory", peak, "MB")
        figure(f"{name}_extrapolated_{EXTRAPOLATE_TO}_minutes",
               wall / households * EXTRAPOLATE_TO / 60, "min")  # fmt: skip
        if first is None:
            first = wall, cpu
        else:
            base = f"facts_refresh_p{processes}_vs_p{args.processes[0]}"
            figure(f"{base}_wall", wall / first[0], "x")
            figure(f"{base}_cpu", cpu / first[1], "x")


if __name__ == "__main__":
    main()
