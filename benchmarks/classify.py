"""Classification speed and memory on a product-sized table: `python benchmarks/classify.py`.

Builds the canonical table from a few hundred demo households (``hhb.demo.world``, 24 months)
and replicates it to ``--rows`` rows (24 million by default, what 100 000 households give):
each copy is another household with its own accounts and its own personal counterparties
(participants, landlords, friends), while organisations keep their accounts, as in a real
municipality. It adds two coach rules (on an IBAN) per 100 households, writes the table to
Parquet, and classifies it in a fresh process, so the memory figures are the classification's
own: what the process holds after loading the table (``classify_input_memory``), its peak while
classifying (``classify_peak_rss``, input and output included) and the difference
(``classify_added_memory``).

The household, account and counterparty columns are plain strings, the canonical schema;
``--categorical`` stores and hands them over as ``Categorical``, as a large run should. The
machine is shared, so beside the seconds it prints ``classify_vs_word_scan``: the classification's
time over that of one polars word scan of every description, measured just before in the same
process (steadier than the seconds when the load changes). ``--quick``: about 20 000 rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

# Run as a script: benchmarks/ would shadow the `ingest` package otherwise.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from budget.classify import RuleMatch, classify  # noqa: E402
from hhb.demo.ledger import monthly_statements  # noqa: E402
from hhb.demo.world import generate_household  # noqa: E402
from ingest.canonical import TRANSACTION_SCHEMA, frame, keyed  # noqa: E402

CATEGORICAL = ("household", "account", "counterparty_iban", "counterparty_name")


def base_frame(households: int, months: int) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for index in range(households):
        household = generate_household(7, index, dt.date(2024, 1, 1), months)
        for account in household.accounts:
            for position, k in enumerate(keyed(monthly_statements(household, account))):
                t = k.transaction
                rows.append(
                    {
                        **dict.fromkeys(TRANSACTION_SCHEMA),
                        "household": household.code,
                        "account": k.account,
                        "booking_date": t.booking_date,
                        "value_date": t.value_date,
                        "amount_cents": t.amount_cents,
                        "currency": "EUR",
                        "counterparty_iban": t.counterparty_iban,
                        "counterparty_name": t.counterparty_name,
                        "description": t.description,
                        "end_to_end_id": t.end_to_end_id,
                        "mandate_id": t.mandate_id,
                        "creditor_id": t.creditor_id,
                        "bank_transaction_code": t.bank_transaction_code,
                        "is_reversal": False,
                        "import_id": 1,
                        "position": position,
                        "tx_key": k.key,
                    }
                )
    return frame(rows)


def replicate(base: pl.DataFrame, copies: int) -> pl.LazyFrame:
    """``copies`` copies of ``base`` as new households (lazy: written by streaming)."""
    shared = (
        base.group_by("counterparty_iban")
        .agg(pl.col("household").n_unique().alias("n"))
        .filter(pl.col("n") > 1)
        .get_column("counterparty_iban")
    )

    def personal(column: str, k: int) -> pl.Expr:
        c = pl.col(column)
        moved = pl.concat_str(c.str.slice(0, 8), pl.lit(f"{k:05d}"), c.str.slice(13))
        return pl.when(c.is_in(shared.implode())).then(c).otherwise(moved).alias(column)

    parts = [
        base.lazy().with_columns(
            pl.concat_str(pl.col("household"), pl.lit(f"-{k}")).alias("household"),
            personal("account", k),
            personal("counterparty_iban", k),
            pl.concat_str(pl.col("tx_key").str.slice(0, 26), pl.lit(f"{k:06d}")).alias("tx_key"),
        )
        for k in range(copies)
    ]
    return pl.concat(parts)


def rules_for(df: pl.LazyFrame) -> pl.DataFrame:
    """Two coach rules per 100 households on an IBAN, like real corrections."""
    sample = (
        df.filter(pl.col("counterparty_iban").is_not_null())
        .group_by("household")
        .agg(pl.col("counterparty_iban").first(), pl.col("counterparty_name").first())
        .with_columns(pl.col("household", "counterparty_iban").cast(pl.String))
        .sort("household")
        .gather_every(50)
        .collect()
    )
    now = dt.datetime(2024, 3, 12, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "id": list(range(1, sample.height + 1)),
            "household": sample.get_column("household"),
            "match": [str(RuleMatch.IBAN)] * sample.height,
            "value": sample.get_column("counterparty_iban"),
            "rubriek": ["huur"] * sample.height,
            "ketenpartner": [None] * sample.height,
            "created_by": ["jdevries"] * sample.height,
            "created_at": [now] * sample.height,
            "withdrawn_at": [None] * sample.height,
            "withdrawn_by": [None] * sample.height,
        },
        schema_overrides={
            "created_at": pl.Datetime("us", "UTC"),
            "withdrawn_at": pl.Datetime("us", "UTC"),
            "ketenpartner": pl.String,
            "withdrawn_by": pl.String,
        },
    )


def _memory_mb(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak) of this process, from ``/proc``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(folder: str, categorical: bool) -> None:
    df = pl.read_parquet(Path(folder) / "transactions.parquet")
    wanted = pl.Categorical() if categorical else pl.String()
    assert all(df.schema[c] == wanted for c in CATEGORICAL), df.schema
    rules = pl.read_parquet(Path(folder) / "rules.parquet")
    loaded = _memory_mb("VmRSS")
    start = time.perf_counter()
    df.get_column("description").str.contains_any(["LEEFGELD"], ascii_case_insensitive=True)
    scan = time.perf_counter() - start
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM afresh: the peak is classify's
    start, cpu = time.perf_counter(), time.process_time()
    out = classify(df, rules)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _memory_mb("VmHWM")
    pairs = df.select("counterparty_iban", "counterparty_name").n_unique()
    print(f"rows: {df.height}")
    print(f"households: {df.get_column('household').n_unique()}")
    print(f"rules: {rules.height}")
    print(f"distinct_pairs: {pairs}")
    print(f"classify_seconds: {seconds:.2f} s")
    print(f"classify_rows_per_s: {df.height / seconds:.0f} rows/s")
    print(f"classify_cpu_seconds: {cpu:.2f} s")
    print(f"classify_vs_word_scan: {seconds / scan:.1f} x")
    print(f"classify_input_memory: {loaded:.0f} MB")
    print(f"classify_peak_rss: {peak:.0f} MB")
    print(f"classify_added_memory: {peak - loaded:.0f} MB")
    overig = out.filter(pl.col("rubriek") == "overig").height / out.height
    print(f"overig_share: {overig:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 20 000 rows")
    parser.add_argument("--rows", type=int, default=24_000_000, help="rows to classify")
    parser.add_argument("--households", type=int, default=200, help="demo households to copy")
    parser.add_argument("--categorical", action="store_true", help="key columns Categorical")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.categorical)
        return
    households, rows = (20, 20_000) if args.quick else (args.households, args.rows)
    print(f"load_average_start: {os.getloadavg()[0]:.2f}")
    start = time.perf_counter()
    base = base_frame(households, 24)
    copies = max(1, round(rows / base.height))
    with tempfile.TemporaryDirectory() as tmp:
        table = replicate(base, copies)
        if args.categorical:
            table = table.with_columns(pl.col(CATEGORICAL).cast(pl.Categorical))
        table.sink_parquet(Path(tmp) / "transactions.parquet")
        table = pl.scan_parquet(Path(tmp) / "transactions.parquet")
        rules_for(table).write_parquet(Path(tmp) / "rules.parquet")
        print(f"build_seconds: {time.perf_counter() - start:.1f} s")
        command = [sys.executable, __file__, "--child", tmp]
        if args.categorical:
            command.append("--categorical")
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    sys.stdout.write(result.stdout)
    print(f"load_average_end: {os.getloadavg()[0]:.2f}")
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)


if __name__ == "__main__":
    main()
