"""Ingest speed and memory, per format, on files of 100 000+ transactions.

Prints one figure per line (``name: value unit``) and ratios measured in the same run:

- ``<fmt>_parse``: detect + extract of the whole file into records (``Importer.extract``);
- ``<fmt>_stream``: detect + the streaming extraction into row batches with their keys (what
  an import runs, in one process);
- ``<fmt>_end_to_end``: ``hhb import`` of the file on disk: detect, extract, normalise,
  deduplicate and store in a fresh SQLite file, committed (large files are parsed in a worker
  process while the importing process stores, see ``ingest.worker``);
- ``<fmt>_end_to_end_one_process``: the same without the worker;
- ``camt_stream_plain_walk``: the CAMT stream with every entry walked element by element (the
  reader before ``ingest.camt.fast``), and how many entries the column-wise reader took;
- ``mt940_raw`` / ``ofx_raw``: the bare ``mt-940`` / ``ofxparse`` parse of the same file, and
  ``mt940_vs_raw`` = end to end / raw (target ≥ 0.7), each MT940 ratio the median of as many
  pairs of a raw parse and an import run right after each other;
- ``peak_memory_<fmt>_1m``: peak resident memory of a fresh process importing 1 000 000
  transactions end to end, plus that of its worker process (target < 1 GB for the two), also
  printed apart as ``..._importer`` and ``..._worker``; ``<fmt>_end_to_end_1m`` is the rate of
  that import. It includes what the runs above leave out: they run in a process that has
  already read a file of the format, this one pays for loading the importers and the libraries
  (about 0.3 s, as a first ``hhb import`` does) and for a unique index of a million keys.

Targets (issue 2): CSV and CAMT end to end ≥ 50 000 tx/s. Usage:
``python benchmarks/ingest.py [--quick] [--skip-memory] [--formats camt,csv_ing]``.

End to end runs ``--runs`` times (default 3), each into a fresh database: the line gives the
median run's rate and CPU time, then every run's rate, because on this kind of shared virtual
machine the same code varies by 15 % or more from one run to the next.

Each timed step also prints the CPU time (user + system) it used, of this process and of its
worker together (``cpu`` in seconds), since on a shared machine wall-clock rates vary with the
load and CPU time does much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.base import detect
from ingest.model import RawTransaction, Statement
from ingest.source import HEAD, Source
from ingest.text import iban_from_nl_bban
from store.db import make_engine, migrate, session_scope
from store.households import create_household
from store.importing import import_file

NAMES = [
    ("Albert Heijn 1234", "Betaalautomaat 12:01 pasnr. 123"),
    ("Belastingdienst", "ZORGTOESLAG 2024 VOORSCHOT"),
    ("UWV", "Uitkering WW periode 01-03-2024/31-03-2024"),
    ("Woonstichting Portaal", "Huur maart 2024 contract 123456"),
    ("Eneco Services", "Termijnbedrag energie klantnr 7781234"),
    ("Vitens NV", "Voorschot drinkwater 2024"),
    ("Zorg en Zekerheid", "Premie zorgverzekering maart"),
    ("Gemeente Utrecht", "Leefgeld week 12"),
    ("J. de Vries", "Terugbetaling lening"),
    ("Jumbo Supermarkten", "Betaling pas 3321"),
]


def statement(n: int, account: str, bank: str, seed: int = 7) -> Statement:
    """One account, ``n`` realistic transactions over two years, balances consistent."""
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    days = sorted(rng.randrange(730) for _ in range(n))
    txs = []
    for day in days:
        name, text = NAMES[rng.randrange(len(NAMES))]
        cents = rng.choice((-1, -1, -1, 1)) * rng.randrange(100, 250_000)
        counter = iban_from_nl_bban(str(rng.randrange(10**8, 10**9)), rng.choice(("INGB", "RABO")))
        booked = start + dt.timedelta(days=day)
        txs.append(
            RawTransaction(
                account=account,
                booking_date=booked,
                value_date=booked,
                amount_cents=cents,
                counterparty_iban=counter,
                counterparty_name=name,
                description=text,
            )
        )
    opening = 100_000
    return Statement(
        account=account,
        transactions=tuple(txs),
        opening_balance_cents=opening,
        opening_date=txs[0].booking_date,
        closing_balance_cents=opening + sum(t.amount_cents for t in txs),
        closing_date=txs[-1].booking_date,
    )


def writers() -> dict[str, Callable[[int], bytes]]:
    from ingest.camt.writer import write_camt053
    from ingest.csvbanks.writer import write_csv
    from ingest.mt940.writer import write_mt940
    from ingest.ofx.writer import write_ofx

    def acct(bank: str) -> str:
        return iban_from_nl_bban("123456789", bank)

    return {
        "csv_ing": lambda n: write_csv([statement(n, acct("INGB"), "ING")], "ing-nl"),
        "csv_rabobank": lambda n: write_csv([statement(n, acct("RABO"), "RABO")], "rabobank"),
        "camt": lambda n: write_camt053([statement(n, acct("INGB"), "ING")], version="001.02"),
        "mt940": lambda n: write_mt940([statement(n, acct("INGB"), "ING")], "ing-structured"),
        "ofx": lambda n: write_ofx([statement(n, acct("INGB"), "ING")], version=2),
    }


_CPU_AT_START = 0.0
_CPU_USED = 0.0
"""CPU seconds (user + system, this process and its finished children) of the last timed step."""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _start() -> float:
    global _CPU_AT_START
    _CPU_AT_START = _cpu()
    return time.perf_counter()


def _stop(start: float) -> float:
    global _CPU_USED
    elapsed = time.perf_counter() - start
    _CPU_USED = _cpu() - _CPU_AT_START
    return elapsed


def rate(n: int, seconds: float) -> str:
    """The rate, and the CPU time the step took (see the module docstring)."""
    return f"{n / seconds:.0f} tx/s (cpu {_CPU_USED:.2f} s)"


def time_parse(data: bytes) -> tuple[float, int]:
    start = _start()
    importer = detect(data, "bench")
    result = importer.extract(data, "bench")
    return _stop(start), result.transaction_count


def time_stream(path: Path) -> tuple[float, int]:
    start = _start()
    source = Source.of_path(path, "bench")
    importer = detect(source.head(HEAD), "bench")
    extraction = importer.stream(source, "bench")  # type: ignore[attr-defined]
    count = sum(len(batch) for batch in extraction.batches())
    return _stop(start), count


def time_camt_walk(path: Path) -> tuple[float, int]:
    """The CAMT stream by the plain element walk (``fast=False``), and how many entries the
    column-wise reader takes (see ``ingest.camt.fast``)."""
    from ingest.camt.stream import CamtExtraction

    start = _start()
    plain = CamtExtraction(Source.of_path(path, "bench"), "bench", fast=False)
    sum(len(batch) for batch in plain.batches())
    elapsed = _stop(start)
    fast = CamtExtraction(Source.of_path(path, "bench"), "bench")
    sum(len(batch) for batch in fast.batches())
    return elapsed, fast.fast_entries


def time_end_to_end(
    path: Path, workdir: Path, name: str, worker: bool | None = None
) -> tuple[float, int]:
    engine = make_engine(f"sqlite:///{workdir / (name + '.sqlite3')}")
    migrate(engine)
    with session_scope(engine) as session:
        create_household(session, "BENCH", "bench")
    start = _start()
    with session_scope(engine) as session:
        summary = import_file(session, "BENCH", path, name, "bench", worker=worker)
    elapsed = _stop(start)
    engine.dispose()
    return elapsed, summary.n_added


def end_to_end_runs(
    n: int, path: Path, workdir: Path, name: str, runs: int, worker: bool | None = None
) -> tuple[str, float]:
    """``runs`` end-to-end imports of ``path``: the printed figure and the median seconds."""
    timed: list[tuple[float, float]] = []
    for run in range(runs):
        elapsed, added = time_end_to_end(path, workdir, f"{name}-{run}", worker=worker)
        assert added == n, f"{name}: stored {added} of {n}"
        timed.append((elapsed, _CPU_USED))
    elapsed, cpu = sorted(timed)[len(timed) // 2]
    each = ", ".join(f"{n / e:.0f}" for e, _ in timed)
    return f"{n / elapsed:.0f} tx/s (cpu {cpu:.2f} s; runs: {each})", elapsed


def print_mt940_ratios(n: int, path: Path, workdir: Path, runs: int) -> None:
    """The raw ``mt-940`` parse beside end-to-end imports, in alternating runs (raw, with the
    worker, in one process), so that the machine's speed, which drifts from minute to minute
    here, weighs on both sides of each ratio alike; the medians of the per-run ratios."""
    data = path.read_bytes()
    raws: list[float] = []
    ratios: list[float] = []
    one_ratios: list[float] = []
    for run in range(runs):
        raw_s = time_raw_mt940(data)
        raws.append(raw_s)
        e2e_s, added = time_end_to_end(path, workdir, f"mt940-pair-{run}")
        assert added == n, f"mt940: stored {added} of {n}"
        one_s, added = time_end_to_end(path, workdir, f"mt940-pair-one-{run}", worker=False)
        assert added == n, f"mt940: stored {added} of {n}"
        ratios.append(raw_s / e2e_s)
        one_ratios.append(raw_s / one_s)
    raw_s = sorted(raws)[len(raws) // 2]
    print(f"mt940_raw: {n / raw_s:.0f} tx/s (runs: {', '.join(f'{n / r:.0f}' for r in raws)})")
    for name, values in (("mt940_vs_raw", ratios), ("mt940_one_process_vs_raw", one_ratios)):
        each = ", ".join(f"{r:.2f}" for r in values)
        print(f"{name}: {sorted(values)[len(values) // 2]:.2f} x (runs: {each})")


def time_raw_mt940(data: bytes) -> float:
    import mt940

    start = _start()
    mt940.parse_statements(data, options=mt940.Options.all())
    return _stop(start)


def time_raw_ofx(data: bytes) -> float:
    from ofxparse import OfxParser

    start = _start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        OfxParser.parse(io.BytesIO(data))
    return _stop(start)


def peak_kb(pid: int | str = "self") -> int:
    """Peak resident memory of a live process (``VmHWM``), in kB; 0 once it is gone.

    ``ru_maxrss`` would be wrong here: Linux carries the high-water mark of the process that
    forked across ``exec``, so a child started by a large parent reports the parent's size.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _watch_children(peaks: dict[int, int], stop: threading.Event) -> None:
    """Sample the peak memory of this process's children (the import's worker) until stopped."""
    me = str(os.getpid())
    while not stop.wait(0.05):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = stat.read().rpartition(")")[2].split()[1]
            except OSError:
                continue
            if parent == me:
                peaks[int(entry)] = max(peaks.get(int(entry), 0), peak_kb(entry))


def memory_child(path: str) -> None:
    """Runs in a fresh process: import one file end to end, print the peak resident memory in
    MB of this process and of its worker process (if it had one)."""
    peaks: dict[int, int] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_children, args=(peaks, stop), daemon=True)
    watcher.start()
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, added = time_end_to_end(Path(path), Path(tmp), "memory")
    stop.set()
    watcher.join()
    worker = max(peaks.values(), default=0)
    print(f"{added} {peak_kb() / 1024:.0f} {worker / 1024:.0f} {elapsed:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--skip-memory", action="store_true", help="no 1 000 000 runs")
    parser.add_argument(
        "--runs", type=int, default=3, help="end-to-end runs per format (median printed)"
    )
    parser.add_argument(
        "--formats",
        help=f"comma-separated subset of {','.join(writers())} (default: all)",
        default=",".join(writers()),
    )
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(writers()))
    if unknown:
        parser.error(f"unknown format(s): {', '.join(unknown)}")
    if args.memory_child:
        memory_child(args.memory_child)
        return

    n = 5_000 if args.quick else 100_000
    n_memory = 20_000 if args.quick else 1_000_000
    print(f"transactions_per_file: {n}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for fmt, write in writers().items():
            if fmt not in formats:
                continue
            data = write(n)
            path = workdir / f"{fmt}.bin"
            path.write_bytes(data)
            parse_s, count = time_parse(data)
            assert count == n, f"{fmt}: parsed {count} of {n}"
            del data
            print(f"{fmt}_parse: {rate(n, parse_s)}")
            if fmt != "ofx":
                stream_s, count = time_stream(path)
                assert count == n, f"{fmt}: streamed {count} of {n}"
                print(f"{fmt}_stream: {rate(n, stream_s)}")
            if fmt == "camt":
                walk_s, fast_entries = time_camt_walk(path)
                print(f"camt_stream_plain_walk: {rate(n, walk_s)}")
                print(f"camt_entries_read_column_wise: {fast_entries} of {n}")
            runs = 1 if fmt == "ofx" else max(args.runs, 1)  # ofx: minutes per run
            figure, e2e_s = end_to_end_runs(n, path, workdir, fmt, runs)
            print(f"{fmt}_end_to_end: {figure}")
            if fmt != "ofx":
                figure, _ = end_to_end_runs(n, path, workdir, fmt + "-one", runs, worker=False)
                print(f"{fmt}_end_to_end_one_process: {figure}")
            if fmt == "mt940":
                print_mt940_ratios(n, path, workdir, runs)
            if fmt == "ofx":
                raw_s = time_raw_ofx(path.read_bytes())
                print(f"ofx_raw: {rate(n, raw_s)}")
                print(f"ofx_vs_raw: {raw_s / e2e_s:.2f} x")

        if args.skip_memory:
            return
        for fmt in ("csv_ing", "camt", "mt940"):
            if fmt not in formats:
                continue
            path = workdir / f"{fmt}-memory.bin"
            path.write_bytes(writers()[fmt](n_memory))
            out = subprocess.run(
                [sys.executable, __file__, "--memory-child", str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            assert int(out[0]) == n_memory, out
            label = "1m" if n_memory == 1_000_000 else f"{n_memory // 1000}k"
            own, worker, elapsed = int(out[1]), int(out[2]), float(out[3])
            print(f"{fmt}_end_to_end_{label}: {n_memory / elapsed:.0f} tx/s")
            print(f"peak_memory_{fmt}_{label}: {own + worker} MB")
            print(f"peak_memory_{fmt}_{label}_importer: {own} MB")
            print(f"peak_memory_{fmt}_{label}_worker: {worker} MB")
            path.unlink()


if __name__ == "__main__":
    main()
