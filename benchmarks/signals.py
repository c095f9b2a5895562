"""Speed and memory of signals and the balance forecast over N households x 24 months.

Input as in ``benchmarks/recurring.py``: its synthetic canonical table (rent, premium, energy,
water, phone, benefits or 4-weekly pay, toeslagen, kinderbijslag, municipal tax, leefgeld,
groceries), with categorical key columns as the product hands them over. A few things go wrong
in the last months so that every rule has work: 5 % of households miss December's rent, 3 %
are debited twice for November's energy, 5 % get 40 % less income in December, and 3 % stop
paying the phone bill from October (a fixed cost that stopped). Series come from
:func:`budget.recurring.detect_recurring` (timed apart, as ``signals_input_recurring_seconds``)
with a rubriek per counterparty; every household has a balance at the start of its review
window, and one in ten has margins of its own.

Prints, one per line: ``signals_households``, ``signals_series``, ``forecast_seconds_<N>``,
``signals_seconds_<N>`` (signals including the two forecast signals, given the forecast),
``signals_forecast_total_seconds``, ``forecast_cpu_seconds`` and ``signals_cpu_seconds`` (all
threads; steadier than wall time on a shared machine), ``signals_households_per_s``,
``signals_count`` and one
``signals_<kind>`` count per kind, ``forecast_rows``, ``signals_peak_memory`` (resident peak
while forecasting and detecting, input included), ``signals_added_memory`` (the peak above the
input) and ``signals_vs_recurring`` / ``signals_vs_recurring_cpu`` (signals + forecast time over
detection time, same run).
Usage: ``python benchmarks/signals.py [--quick] [--households N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.recurring import (
    CATEGORICAL,
    COUNTERPARTIES,
    START,
    _memory_mb,
    _reset_peak,
    synthetic_transactions,
)

AS_OF = dt.date(2024, 12, 31)

RUBRIEK = {
    "Woonstichting Portaal": "huur",
    "Mitros": "huur",
    "Bo-Ex": "huur",
    "Zorg en Zekerheid": "zorgverzekering",
    "CZ Zorgverzekeringen": "zorgverzekering",
    "Eneco": "energie",
    "Vitens NV": "water",
    "KPN B.V.": "telefoon_internet",
    "UWV": "uitkering",
    "Gemeente Utrecht Werk en Inkomen": "uitkering",
    "Bouwbedrijf De Vries BV": "inkomen",
    "Belastingdienst/Toeslagen": "toeslag",
    "SVB": "kinderbijslag",
    "Gemeente Utrecht Belastingen": "gemeentelijke_belastingen",
    "Leefgeld eigen rekening": "leefgeld",
}
assert set(RUBRIEK) <= {name for name, _ in COUNTERPARTIES}


def with_trouble(tx: pl.DataFrame, seed: int = 5) -> pl.DataFrame:
    """Missing rent, double energy debits, income cuts and a stopped phone bill."""
    rng = np.random.default_rng(seed)
    households = tx["household"].unique().sort()
    n = len(households)

    def pick(share: float) -> pl.Series:
        return households.gather(np.flatnonzero(rng.random(n) < share))

    december = pl.col("booking_date") >= dt.date(2024, 12, 1)
    rent = pl.col("counterparty_name").is_in(["Woonstichting Portaal", "Mitros", "Bo-Ex"])
    miss = pl.col("household").is_in(pick(0.05).implode()) & december & rent
    energy = (
        tx.filter(
            pl.col("household").is_in(pick(0.03).implode()),
            pl.col("counterparty_name") == "Eneco",
            pl.col("booking_date").dt.month() == 11,
            pl.col("booking_date").dt.year() == 2024,
            pl.col("amount_cents") < 0,
        )
        .with_columns(pl.col("booking_date") + pl.duration(days=3))
        .with_columns(tx_key=pl.col("tx_key") + "-dubbel")
    )
    income = pl.col("counterparty_name").is_in(
        ["UWV", "Gemeente Utrecht Werk en Inkomen", "Bouwbedrijf De Vries BV"]
    )
    cut = pl.col("household").is_in(pick(0.05).implode()) & december & income
    phone = (
        pl.col("household").is_in(pick(0.03).implode())
        & (pl.col("counterparty_name") == "KPN B.V.")
        & (pl.col("booking_date") >= dt.date(2024, 10, 1))
    )
    out = tx.filter(~miss, ~phone).with_columns(
        amount_cents=pl.when(cut).then(pl.col("amount_cents") * 6 // 10).otherwise("amount_cents")
    )
    return pl.concat([out, energy]).sort("household", "booking_date", maintain_order=True)


def context(households: pl.Series, seed: int = 9) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(households)
    since = dt.date(2024, 11, 1)
    own = rng.random(n) < 0.1
    return pl.DataFrame(
        {
            "household": households.cast(pl.String),
            "as_of": [AS_OF] * n,
            "since": [since] * n,
            "history_start": [START] * n,
            "balance_date": [since] * n,
            "balance_cents": rng.normal(50_000, 120_000, n).astype(np.int64),
            "amount_tolerance_pct": pl.Series(np.where(own, 5, 0)).replace(0, None),
            "date_tolerance_days": pl.Series(np.where(own, 8, 0)).replace(0, None),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 000 households")
    parser.add_argument("--households", type=int, default=None)
    args = parser.parse_args()
    households = args.households or (2_000 if args.quick else 100_000)

    from budget.forecast import forecast
    from budget.recurring import detect_recurring
    from budget.signals import SignalKind, detect_signals

    tx = with_trouble(synthetic_transactions(households)).with_columns(
        pl.col(CATEGORICAL).cast(pl.Categorical)
    )
    start, cpu = time.perf_counter(), time.process_time()
    series = detect_recurring(tx, as_of=AS_OF)
    recurring_seconds, recurring_cpu = time.perf_counter() - start, time.process_time() - cpu
    series = series.with_columns(
        rubriek=pl.col("counterparty_name").replace_strict(RUBRIEK, default="overig")
    )
    ctx = context(tx["household"].unique().sort())
    loaded = _memory_mb("VmRSS")
    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    fc = forecast(series, tx, ctx)
    forecast_seconds, forecast_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    signals = detect_signals(series, tx, ctx, forecast_summary=fc.summary)
    signal_seconds, signal_cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _memory_mb("VmHWM")
    total = forecast_seconds + signal_seconds
    print(f"signals_households: {ctx.height} households")
    print(f"signals_series: {series.height} series")
    print(f"signals_input_recurring_seconds: {recurring_seconds:.2f} s")
    print(f"forecast_seconds_{households}: {forecast_seconds:.2f} s")
    print(f"signals_seconds_{households}: {signal_seconds:.2f} s")
    print(f"signals_forecast_total_seconds: {total:.2f} s")
    print(f"forecast_cpu_seconds: {forecast_cpu:.2f} s")
    print(f"signals_cpu_seconds: {signal_cpu:.2f} s")
    print(f"signals_input_recurring_cpu_seconds: {recurring_cpu:.2f} s")
    print(f"signals_households_per_s: {ctx.height / total:.0f} households/s")
    print(f"signals_count: {signals.height} signals")
    counts = dict(signals.group_by("kind").len().iter_rows())
    for kind in SignalKind:
        print(f"signals_{kind.value}: {counts.get(kind.value, 0)} signals")
    print(f"forecast_rows: {fc.months.height} rows")
    print(f"signals_peak_memory: {peak:.0f} MB")
    print(f"signals_added_memory: {peak - loaded:.0f} MB")
    print(f"signals_vs_recurring: {total / recurring_seconds:.2f} x")
    print(f"signals_vs_recurring_cpu: {(forecast_cpu + signal_cpu) / recurring_cpu:.2f} x")


if __name__ == "__main__":
    main()
