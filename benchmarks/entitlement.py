"""Speed of the regelingen engine: all regelingen for N households x 12 months, every step kept.

The target is at least 5 000 000 household-months per second for all regelingen together. The
same run also evaluates a sample with the per-case evaluator (plain Python, one household-month
at a time, the same parsed rules) and checks that both agree on every status and amount, so the
ratio printed is between two correct evaluations measured on the same machine at the same time.

The synthetic households (numpy, seeded) cover the inputs every regeling reads: incomes around
the toeslag limits, partners, 0-4 children of all ages, rents around the huurtoeslag limits,
vermogen, three municipalities (two with their own scheme), cost-sharers, students. Rows are
ordered household by household (12 months each), as a store query returns them, so every block
of rows mixes months and the parameters change within the year (bijstand in July, kinderbijslag
per half year).

Prints, one per line: ``entitlement_household_months``, ``entitlement_output_columns``,
``entitlement_seconds``, ``entitlement_cpu_seconds`` (all threads; steadier than the wall time on
a shared machine), ``entitlement_vectorised`` (household-months/s), ``entitlement_vectorised_cpu``,
``entitlement_per_case`` (household-months/s, all regelingen per household-month),
``entitlement_vectorised_vs_per_case`` (ratio), ``entitlement_target_met`` (1 or 0), and
``entitlement_load_1min`` (the machine's load average when the run ended: the figures above are
only comparable at a similar load).
Most of the time goes into writing about 1.3 GB of fresh output columns: the kernel has to fault
in and zero every page of them (about 0.9-1.4 s per 1.3 GB on the 2-core development VM, measured
by filling fresh numpy arrays), which is the floor of this benchmark as long as every step column
is materialised. The engine maps its output columns itself, without numpy's transparent-huge-page
advice (with ``defrag=madvise`` the kernel compacts memory on such page faults, which used to
double the wall time); ``--no-hugepages`` also drops the advice for numpy's own arrays.
Usage: ``python benchmarks/entitlement.py [--quick] [--households N] [--sample N]
[--no-hugepages]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from entitlement.rules.case import evaluate_case
from entitlement.rules.engine import column, evaluate
from entitlement.rules.inputs import input_schema
from entitlement.rules.registry import default_rules

TARGET = 5_000_000
YEAR = 2025


def households(n: int, seed: int = 11) -> pl.DataFrame:
    """One row per household-month, household-major, with every declared input column."""
    rng = np.random.default_rng(seed)
    partner = rng.random(n) < 0.4
    n_children = rng.choice(5, size=n, p=[0.45, 0.2, 0.2, 0.1, 0.05])
    ages = [rng.integers(0, 20, size=k).astype(np.int16).tolist() for k in n_children]
    age = rng.integers(18, 80, size=n).astype(np.int16)
    income = rng.gamma(4.0, 7_500.0, size=n) * np.where(partner, 1.4, 1.0)
    base = pl.DataFrame(
        {
            "household": np.arange(n, dtype=np.int32),
            "toetsingsinkomen_jaar_cents": (income * 100).astype(np.int64),
            "netto_inkomen_maand_cents": (income / 14 * 100).astype(np.int64)
            * (rng.random(n) < 0.7),
            "partner": partner,
            "leeftijd": age,
            "leeftijd_partner": np.where(partner, age + rng.integers(-5, 6, size=n), 0).astype(
                np.int16
            ),
            "kinderen_leeftijden": pl.Series(ages, dtype=pl.List(pl.Int16)),
            "aantal_personen": (1 + partner + n_children).astype(np.int16),
            "kostendelers": (rng.random(n) < 0.1).astype(np.int16),
            "kale_huur_cents": rng.integers(30_000, 110_000, size=n).astype(np.int64),
            "servicekosten_cents": rng.integers(0, 6_000, size=n).astype(np.int64),
            "vermogen_cents": (rng.exponential(6_000.0, size=n) * 100).astype(np.int64),
            "gemeente": rng.choice(["GM0344", "GM0307", "GM0363"], size=n),
            "student": rng.random(n) < 0.05,
            "inkomen_pct_norm_3j": rng.integers(80, 160, size=n).astype(np.int16),
            "inkomen_pct_norm_5j": rng.integers(80, 160, size=n).astype(np.int16),
            "uitzicht_op_beter_inkomen": rng.random(n) < 0.3,
            "gemeentelijke_belastingen_jaar_cents": rng.integers(0, 90_000, size=n).astype(
                np.int64
            ),
        }
    )
    months = pl.DataFrame({"month": [dt.date(YEAR, m, 1) for m in range(1, 13)]})
    schema = input_schema()
    frame = base.join(months, how="cross")
    return frame.with_columns(pl.col(c).cast(schema[c]) for c in schema if c in frame.columns)


def per_case(frame: pl.DataFrame, out: pl.DataFrame, sample: int) -> tuple[float, int]:
    """Seconds for the per-case evaluator on ``sample`` rows; checks it agrees with ``out``."""
    rules = default_rules()
    picks = np.random.default_rng(3).choice(
        frame.height, size=min(sample, frame.height), replace=False
    )
    rows = [frame.row(int(i), named=True) for i in picks]
    start = time.perf_counter()
    results = []
    for row in rows:
        memo: dict[str, Any] = {}
        results.append([evaluate_case(rules, row, name, memo=memo) for name in rules])
    seconds = time.perf_counter() - start
    for i, case_results in zip(picks, results, strict=True):
        got = out.row(int(i), named=True)
        for case in case_results:
            assert case.status.value == got[column(case.regeling, "status")], case.regeling
            assert case.month_cents == got[column(case.regeling, "bedrag_maand_cents")]
    return seconds, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 000 households, seconds")
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=3_000, help="rows for the per-case run")
    parser.add_argument(
        "--no-hugepages",
        action="store_true",
        help="stop numpy asking for transparent huge pages (see the module docstring)",
    )
    args = parser.parse_args()
    if args.no_hugepages:
        np._core.multiarray._set_madvise_hugepage(False)  # type: ignore[attr-defined]
    n = 2_000 if args.quick else args.households
    frame = households(n)
    rules = default_rules()
    evaluate(frame.head(100), rules)  # warm up: compile, import, caches
    start, cpu_start = time.perf_counter(), time.process_time()
    out = evaluate(frame, rules)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    rate = frame.height / seconds
    case_seconds, case_rows = per_case(frame, out, 300 if args.quick else args.sample)
    case_rate = case_rows / case_seconds
    print(f"entitlement_household_months: {frame.height} rows")
    print(f"entitlement_regelingen: {len(rules)} regelingen")
    print(f"entitlement_output_columns: {out.width - frame.width} columns")
    print(f"entitlement_seconds: {seconds:.3f} s")
    print(f"entitlement_cpu_seconds: {cpu_seconds:.3f} s")
    print(f"entitlement_vectorised_cpu: {frame.height / cpu_seconds:.0f} household-months/cpu-s")
    print(f"entitlement_vectorised: {rate:.0f} household-months/s")
    print(f"entitlement_per_case: {case_rate:.0f} household-months/s")
    print(f"entitlement_vectorised_vs_per_case: {rate / case_rate:.1f} x")
    print(f"entitlement_target_met: {int(rate >= TARGET)}")
    print(f"entitlement_load_1min: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
