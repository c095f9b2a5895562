"""Demo-world generation speed and memory: households x months written as real bank files.

Prints one figure per line (``name: value unit``):

- ``demo_generate``: transactions per second, generation plus writing every file to disk;
- ``demo_households_per_s``: households per second (same run);
- ``demo_model_only``: transactions per second of generation without writing (one process),
  and ``demo_write_share`` = the share of the time that goes into writing files;
- ``peak_memory_main`` / ``peak_memory_worker``: peak resident memory of the parent process and
  of the largest worker, which stay flat whatever the number of households (one household per
  worker at a time, the ledger streamed to disk).

Target (issue): 100 000 households x 24 months (about 20 million transactions) in minutes on two
cores. Usage: ``python benchmarks/demo.py [--quick] [--households N] [--months M]``.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hhb.demo.files import write_world
from hhb.demo.world import generate_household


def _mb(kilobytes: int) -> float:
    return kilobytes / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small world, a few seconds")
    parser.add_argument("--households", type=int)
    parser.add_argument("--months", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()
    households = args.households or (2_000 if args.quick else 100_000)
    months = args.months or (12 if args.quick else 24)

    sample = min(households, 300)
    started = time.perf_counter()
    model_tx = sum(
        sum(len(t) for t in generate_household(args.seed, i).transactions.values())
        for i in range(sample)
    )
    model_rate = model_tx / (time.perf_counter() - started)

    out = args.out or Path(tempfile.mkdtemp(prefix="hhb-demo-bench-"))
    try:
        summary = write_world(out, households=households, months=months, seed=args.seed,
                              workers=args.workers)  # fmt: skip
        disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    rate = summary.transactions / summary.seconds
    print(f"demo_size: {households} households x {months} months")
    print(f"demo_transactions: {summary.transactions} tx")
    print(f"demo_files: {summary.files} files")
    print(f"demo_seconds: {summary.seconds:.1f} s")
    print(f"demo_generate: {rate:.0f} tx/s")
    print(f"demo_households_per_s: {households / summary.seconds:.1f} households/s")
    print(f"demo_model_only: {model_rate:.0f} tx/s")
    print(f"demo_write_share: {max(0.0, 1 - rate / model_rate):.2f} x")
    print(f"demo_disk: {disk / 1e9:.2f} GB")
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak_memory_main: {_mb(main_peak):.0f} MB")
    print(f"peak_memory_worker: {_mb(worker_peak):.0f} MB")


if __name__ == "__main__":
    main()
