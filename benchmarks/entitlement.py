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

"Every step kept" means: after the run, the value of every named step (and the status, reasons
and amounts) of every regeling can be read for every household-month, and equals what the
per-case evaluator computes. The engine (``evaluate_compact``) keeps them per regeling in a
compact table: one row per household and parameter state (the months in which all parameters
the regeling reads, its dependencies' included, have the same version), one row per
household-month only where an input changes within a state, three shared rows for "buiten
periode", "andere gemeente" and "gemeente onbekend", and per household-month the table row that
holds its values (see ``entitlement/rules/result.py``; for a frame in household order that index
is kept per household: its first row and its month-to-state map, plus the months set apart,
from which every household-month's row follows). A municipal scheme is computed only for the
households with a month in that municipality; the other household-months share the
"andere gemeente" row. ``Evaluation.row(i)`` gives one
household-month with every column, as ``hhb explain`` and the dashboard's "Hoe is dit
berekend?" read it; ``Evaluation.frame()`` (what ``evaluate`` returns) spreads every column over
all household-months. The per-case check below reads its rows through ``Evaluation.row``.
Spreading about 96 full columns costs mostly the kernel's page faults for ~1.3 GB of fresh
memory, so it is timed separately (``entitlement_full_frame_*``): it is not part of the
5 M target, which is about computing and keeping the steps.

Prints, one per line: ``entitlement_household_months``, ``entitlement_regelingen``,
``entitlement_output_columns``, ``entitlement_table_rows`` (distinct rows kept over all
regelingen), ``entitlement_seconds``, ``entitlement_cpu_seconds`` (user+sys of all threads;
steadier than the wall time on a shared machine), ``entitlement_vectorised`` (household-months/s),
``entitlement_vectorised_cpu`` (household-months per CPU second), ``entitlement_rss_before_mb`` and
``entitlement_peak_rss_mb`` (resident memory with only the input, and the process peak after the
run), ``entitlement_full_frame_seconds`` / ``_cpu_seconds`` / ``_peak_rss_mb`` (spreading into the
full frame), ``entitlement_per_case`` (household-months/s, all regelingen per household-month),
``entitlement_vectorised_vs_per_case`` (ratio), ``entitlement_repeat_seconds`` /
``_cpu_seconds`` / ``entitlement_repeat_vectorised`` (a second run right after the first result
was dropped, as the batch facts evaluate chunk after chunk: the outputs reuse the first run's
memory, see ``entitlement/rules/arena.py``; every table of it equals the first run's, and it is
the result the full frame and the per-case check use), ``entitlement_target_met`` (1 or 0, for
the first run), and ``entitlement_load_1min`` (the load average when the run
started and ended: the figures above are only comparable at a similar load).
Arrays the engine writes come from anonymous mappings without numpy's transparent-huge-page
advice (with ``defrag=madvise`` the kernel compacts memory on such page faults, which used to
double the wall time); ``--no-hugepages`` also drops the advice for numpy's own arrays.
Usage: ``python benchmarks/entitlement.py [--quick] [--households N] [--sample N]
[--no-hugepages]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from entitlement.rules.case import evaluate_case
from entitlement.rules.engine import Evaluation, column, evaluate_compact
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


def per_case(frame: pl.DataFrame, out: Evaluation, sample: int) -> tuple[float, int]:
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
        got = out.row(int(i))
        for case in case_results:
            assert case.status.value == got[column(case.regeling, "status")], case.regeling
            assert case.month_cents == got[column(case.regeling, "bedrag_maand_cents")]
            for step, value in case.steps.items():
                assert value == got[column(case.regeling, step)], (case.regeling, step)
    return seconds, len(rows)


def fingerprint(out: Evaluation) -> dict[str, str]:
    """Per regeling a digest of every household-month's row, status, reasons, amounts and steps
    (values where not missing, and the missing flags)."""
    found = {}
    for name, table in out.tables.items():
        digest = hashlib.blake2b()
        parts = [table.index, table.status, table.reasons, table.month_cents]
        parts += [] if table.year_cents is None else [table.year_cents]
        for step, values in table.steps.items():
            missing = table.missing.get(step)
            parts += [values] if missing is None else [np.where(missing, 0, values), missing]
        for part in parts:
            digest.update(np.ascontiguousarray(part).tobytes())
        found[name] = digest.hexdigest()
    return found


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
    evaluate_compact(frame.head(120), rules)  # warm up: compile, import, caches
    load_before = os.getloadavg()[0]
    rss_before = _rss_mb()
    start, cpu_start = time.perf_counter(), _cpu()
    out = evaluate_compact(frame, rules)
    seconds = time.perf_counter() - start
    cpu_seconds = _cpu() - cpu_start
    peak = _peak_mb()
    rate = frame.height / seconds
    table_rows = sum(t.size for t in out.tables.values())
    expected = fingerprint(out)
    del out  # its memory goes back to the rules' arena
    start, cpu_start = time.perf_counter(), _cpu()
    out = evaluate_compact(frame, rules)
    repeat_seconds = time.perf_counter() - start
    repeat_cpu = _cpu() - cpu_start
    start, cpu_start = time.perf_counter(), _cpu()
    full = out.frame()
    full_seconds = time.perf_counter() - start
    full_cpu = _cpu() - cpu_start
    full_peak = _peak_mb()
    case_seconds, case_rows = per_case(frame, out, 300 if args.quick else args.sample)
    case_rate = case_rows / case_seconds
    output_columns = full.width - frame.width
    assert fingerprint(out) == expected, "the second run differs from the first"
    print(f"entitlement_household_months: {frame.height} rows")
    print(f"entitlement_regelingen: {len(rules)} regelingen")
    print(f"entitlement_output_columns: {output_columns} columns")
    print(f"entitlement_table_rows: {table_rows} rows")
    print(f"entitlement_seconds: {seconds:.3f} s")
    print(f"entitlement_cpu_seconds: {cpu_seconds:.3f} s")
    print(f"entitlement_vectorised_cpu: {frame.height / cpu_seconds:.0f} household-months/cpu-s")
    print(f"entitlement_vectorised: {rate:.0f} household-months/s")
    print(f"entitlement_rss_before_mb: {rss_before:.0f} MB")
    print(f"entitlement_peak_rss_mb: {peak:.0f} MB")
    print(f"entitlement_full_frame_seconds: {full_seconds:.3f} s")
    print(f"entitlement_full_frame_cpu_seconds: {full_cpu:.3f} s")
    print(f"entitlement_full_frame_peak_rss_mb: {full_peak:.0f} MB")
    print(f"entitlement_per_case: {case_rate:.0f} household-months/s")
    print(f"entitlement_vectorised_vs_per_case: {rate / case_rate:.1f} x")
    print(f"entitlement_repeat_seconds: {repeat_seconds:.3f} s")
    print(f"entitlement_repeat_cpu_seconds: {repeat_cpu:.3f} s")
    print(f"entitlement_repeat_vectorised: {frame.height / repeat_seconds:.0f} household-months/s")
    print(f"entitlement_target_met: {int(rate >= TARGET)}")
    print(f"entitlement_load_1min: {load_before:.2f} -> {os.getloadavg()[0]:.2f}")


def _cpu() -> float:
    """User + system CPU seconds of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


if __name__ == "__main__":
    main()
