"""Ingest speed and memory, per format, on files of 100 000+ transactions.

Prints one figure per line (``name: value unit``) and ratios measured in the same run:

- ``<fmt>_parse``: detect + extract alone;
- ``<fmt>_end_to_end``: detect, extract, normalise, deduplicate and store in a fresh SQLite file,
  committed;
- ``mt940_raw`` / ``ofx_raw``: the bare ``mt-940`` / ``ofxparse`` parse of the same file, and
  ``mt940_vs_raw`` = end to end / raw (target ≥ 0.7);
- ``peak_memory_<fmt>_1m``: peak resident memory of a fresh process importing 1 000 000
  transactions end to end (target < 1 GB).

Targets (issue 2): CSV and CAMT end to end ≥ 50 000 tx/s. Usage:
``python benchmarks/ingest.py [--quick]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.base import detect
from ingest.model import RawTransaction, Statement
from ingest.text import iban_from_nl_bban
from store.db import make_engine, migrate, session_scope
from store.households import create_household
from store.importing import import_bytes

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


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:.0f} tx/s"


def time_parse(data: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    importer = detect(data, "bench")
    result = importer.extract(data, "bench")
    return time.perf_counter() - start, result.transaction_count


def time_end_to_end(data: bytes, workdir: Path, name: str) -> tuple[float, int]:
    engine = make_engine(f"sqlite:///{workdir / (name + '.sqlite3')}")
    migrate(engine)
    with session_scope(engine) as session:
        create_household(session, "BENCH", "bench")
    start = time.perf_counter()
    with session_scope(engine) as session:
        summary = import_bytes(session, "BENCH", data, name, "bench")
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, summary.n_added


def time_raw_mt940(data: bytes) -> float:
    import mt940

    start = time.perf_counter()
    mt940.parse_statements(data, options=mt940.Options.all())
    return time.perf_counter() - start


def time_raw_ofx(data: bytes) -> float:
    from ofxparse import OfxParser

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        OfxParser.parse(io.BytesIO(data))
    return time.perf_counter() - start


def memory_child(path: str) -> None:
    """Runs in a fresh process: import one file end to end, print peak RSS in MB."""
    data = Path(path).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        _, added = time_end_to_end(data, Path(tmp), "memory")
    del data
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{added} {peak_kb / 1024:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    n = 5_000 if args.quick else 100_000
    n_memory = 20_000 if args.quick else 1_000_000
    print(f"transactions_per_file: {n}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for fmt, write in writers().items():
            data = write(n)
            parse_s, count = time_parse(data)
            assert count == n, f"{fmt}: parsed {count} of {n}"
            e2e_s, added = time_end_to_end(data, workdir, fmt)
            assert added == n, f"{fmt}: stored {added} of {n}"
            print(f"{fmt}_parse: {rate(n, parse_s)}")
            print(f"{fmt}_end_to_end: {rate(n, e2e_s)}")
            if fmt == "mt940":
                raw_s = time_raw_mt940(data)
                print(f"mt940_raw: {rate(n, raw_s)}")
                print(f"mt940_vs_raw: {raw_s / e2e_s:.2f} x")
            if fmt == "ofx":
                raw_s = time_raw_ofx(data)
                print(f"ofx_raw: {rate(n, raw_s)}")
                print(f"ofx_vs_raw: {raw_s / e2e_s:.2f} x")

        for fmt in ("csv_ing", "camt"):
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
            print(f"peak_memory_{fmt}_{label}: {out[1]} MB")
            path.unlink()


if __name__ == "__main__":
    main()
