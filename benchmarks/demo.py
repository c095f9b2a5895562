"""Demo-world generation speed and memory: real bank files, and the bulk Parquet tables.

Prints one figure per line (``name: value unit``):

- ``demo_bulk_generate``: transactions per second of ``hhb demo generate --parquet``
  (generation plus the canonical table, benefits, profiles and ledger), with
  ``demo_bulk_households_per_s``, ``demo_bulk_seconds``, ``demo_bulk_disk`` and
  ``bulk_peak_memory_main`` / ``bulk_peak_memory_worker`` (flat whatever the size of the world:
  a worker holds one batch of households plus one part's benefit rows);
- ``demo_generate``: transactions per second, generation plus writing every bank file to disk,
  with ``demo_households_per_s``, ``demo_seconds``, ``demo_files``, ``demo_disk`` and
  ``peak_memory_main`` / ``peak_memory_worker`` (one household per worker at a time);
- ``demo_model_only``: transactions per second of generation without writing (one process),
  and ``demo_write_share`` = the share of the file-mode time that goes into writing files;
- ``bulk_vs_files``: bulk throughput over file-mode throughput, when both ran.

Target (issue): 100 000 households x 24 months (30-40 million transactions) in minutes on two
cores; file mode is bound by creating 1.75 million files, which is why bulk mode exists.
Usage: ``python benchmarks/demo.py [--quick] [--mode both|bulk|files] [--households N]
[--months M]`` (``--mode bulk`` for the full size: file mode there takes the best part of an
hour).
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

from hhb.demo.bulk import write_bulk
from hhb.demo.files import write_world
from hhb.demo.world import generate_household


def _peaks(prefix: str) -> None:
    """Peak resident memory so far (kB on Linux) of this process and of its largest child."""
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{prefix}peak_memory_main: {main_peak / 1024:.0f} MB")
    print(f"{prefix}peak_memory_worker: {worker_peak / 1024:.0f} MB")


def _disk(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e9


def _bulk(args: argparse.Namespace, households: int, months: int, base: Path) -> float:
    out = base / "bulk"
    started = time.perf_counter()
    summary = write_bulk(out, households=households, months=months, seed=args.seed,
                         workers=args.workers)  # fmt: skip
    seconds = time.perf_counter() - started
    rate = summary.transactions / seconds
    print(f"demo_bulk_size: {households} households x {months} months")
    print(f"demo_bulk_transactions: {summary.transactions} tx")
    print(f"demo_bulk_parts: {summary.parts} files")
    print(f"demo_bulk_seconds: {seconds:.1f} s")
    print(f"demo_bulk_generate: {rate:.0f} tx/s")
    print(f"demo_bulk_households_per_s: {households / seconds:.1f} households/s")
    print(f"demo_bulk_disk: {_disk(out):.2f} GB")
    _peaks("bulk_")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return rate


def _files(args: argparse.Namespace, households: int, months: int, base: Path) -> float:
    out = base / "files"
    summary = write_world(out, households=households, months=months, seed=args.seed,
                          workers=args.workers)  # fmt: skip
    disk = _disk(out)
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    rate = summary.transactions / summary.seconds
    print(f"demo_size: {households} households x {months} months")
    print(f"demo_transactions: {summary.transactions} tx")
    print(f"demo_files: {summary.files} files")
    print(f"demo_seconds: {summary.seconds:.1f} s")
    print(f"demo_generate: {rate:.0f} tx/s")
    print(f"demo_households_per_s: {households / summary.seconds:.1f} households/s")
    print(f"demo_disk: {disk:.2f} GB")
    return rate


def _model_only(seed: int, households: int, months: int) -> float:
    sample = min(households, 300)
    started = time.perf_counter()
    model_tx = sum(
        sum(len(t) for t in generate_household(seed, i, months=months).transactions.values())
        for i in range(sample)
    )
    return model_tx / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small world, a few seconds")
    parser.add_argument("--mode", choices=("both", "bulk", "files"), default="both")
    parser.add_argument("--households", type=int)
    parser.add_argument("--months", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the output here (default: a temp dir)")
    args = parser.parse_args()
    households = args.households or (2_000 if args.quick else 100_000)
    months = args.months or (12 if args.quick else 24)
    base = args.out or Path(tempfile.mkdtemp(prefix="hhb-demo-bench-"))
    try:
        # Bulk first: the peak-memory figures of a process only ever grow.
        bulk = _bulk(args, households, months, base) if args.mode != "files" else None
        files = _files(args, households, months, base) if args.mode != "bulk" else None
    finally:
        if args.out is None:
            shutil.rmtree(base, ignore_errors=True)
    model_rate = _model_only(args.seed, households, months)
    print(f"demo_model_only: {model_rate:.0f} tx/s")
    if files is not None:
        print(f"demo_write_share: {max(0.0, 1 - files / model_rate):.2f} x")
        _peaks("")
    if bulk is not None and files is not None:
        print(f"bulk_vs_files: {bulk / files:.2f} x")


if __name__ == "__main__":
    main()
