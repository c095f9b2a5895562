"""Classification speed on a product-sized table: `python benchmarks/classify.py [--quick]`.

Builds the canonical table from a few hundred demo households (``hhb.demo.world``, 24 months)
and replicates it: each copy is another household with its own accounts and its own personal
counterparties (participants, landlords, friends), while organisations keep their accounts, as
in a real municipality. Then it classifies with a handful of coach rules per 100 households.
Prints ``classify_rows_per_s: X rows/s``, the seconds, the number of distinct (IBAN, name) pairs
and the peak memory (max RSS of the whole process, generation included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import polars as pl

# Run as a script: benchmarks/ would shadow the `ingest` package otherwise.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from budget.classify import RuleMatch, classify  # noqa: E402
from hhb.demo.ledger import monthly_statements  # noqa: E402
from hhb.demo.world import generate_household  # noqa: E402
from ingest.canonical import TRANSACTION_SCHEMA, frame, keyed  # noqa: E402


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


def replicate(base: pl.DataFrame, copies: int) -> pl.DataFrame:
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
        base.with_columns(
            pl.concat_str(pl.col("household"), pl.lit(f"-{k}")).alias("household"),
            personal("account", k),
            personal("counterparty_iban", k),
            pl.concat_str(pl.col("tx_key").str.slice(0, 26), pl.lit(f"{k:06d}")).alias("tx_key"),
        )
        for k in range(copies)
    ]
    return pl.concat(parts, rechunk=True)


def rules_for(df: pl.DataFrame) -> pl.DataFrame:
    """Two coach rules per 100 households: an IBAN and a name, like real corrections."""
    sample = (
        df.filter(pl.col("counterparty_iban").is_not_null())
        .group_by("household")
        .agg(pl.col("counterparty_iban").first(), pl.col("counterparty_name").first())
        .sort("household")
        .gather_every(50)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small size, finishes in seconds")
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--copies", type=int, default=240)
    args = parser.parse_args()
    households, copies = (20, 3) if args.quick else (args.households, args.copies)
    t0 = time.perf_counter()
    df = replicate(base_frame(households, 24), copies)
    rules = rules_for(df)
    print(f"build_seconds: {time.perf_counter() - t0:.1f} s")
    print(f"rows: {df.height}")
    print(f"households: {df.get_column('household').n_unique()}")
    print(f"rules: {rules.height}")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t1 = time.perf_counter()
    out = classify(df, rules)
    seconds = time.perf_counter() - t1
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pairs = df.select("counterparty_iban", "counterparty_name").n_unique()
    print(f"distinct_pairs: {pairs}")
    print(f"classify_seconds: {seconds:.2f} s")
    print(f"classify_rows_per_s: {df.height / seconds:.0f} rows/s")
    print(f"peak_rss_before_classify: {rss_before:.0f} MB")
    print(f"peak_rss: {rss_after:.0f} MB")
    overig = out.filter(pl.col("rubriek") == "overig").height / out.height
    print(f"overig_share: {overig:.4f}")


if __name__ == "__main__":
    main()
