"""Speed and memory of recurring-payment detection on N households × 24 months.

The product benchmark runs classification, monthly tables, recurring detection and budgets for
100 000 households × 24 months (about 20 million transactions) in under 60 s and 4 GB on two cores,
so detection alone has to stay well under 20 s. This script builds a synthetic canonical table
with numpy (rent with a July increase, a health premium that changes in January, energy with a
yearly settlement and a new monthly amount, water monthly or quarterly, phone subscriptions of
which some stop, UWV / municipal benefits with sometimes a second payment, 4-weekly salaries with
varying hours, zorgtoeslag, quarterly kinderbijslag, yearly municipal tax, weekly leefgeld,
grocery card payments without IBAN and one-off web-shop payments), in the order a store query
returns it (household, booking date), writes it to a Parquet file, and runs detection in a fresh
process so that the peak memory is that of loading the table plus detecting.

Household, account and counterparty columns are ``Categorical`` by default, as the product hands
them over (a string per row would cost ~4 GB of the 4 GB budget at 100 000 households before any
work); ``--strings`` loads them as plain strings to measure that path too.

Prints, one per line: ``recurring_rows``, ``recurring_series``, ``recurring_seconds_<N>``,
``recurring_rows_per_s``, ``recurring_cpu_seconds`` (all threads; steadier than the wall time
on a shared machine), ``recurring_input_memory`` (resident after loading),
``recurring_peak_memory`` (peak resident set while detecting, input included; the Parquet
reader's own transient peak is reported apart as ``recurring_load_peak_memory``) and
``recurring_detect_memory`` (the difference: what detection adds on top of its input).
Usage: ``python benchmarks/recurring.py [--quick] [--households N] [--shuffled] [--strings]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = dt.date(2023, 1, 1)
MONTHS = 24
EPOCH = dt.date(1970, 1, 1)
CATEGORICAL = ("household", "account", "counterparty_iban", "counterparty_name")

COUNTERPARTIES: list[tuple[str, str | None]] = [
    ("Woonstichting Portaal", "NL91ABNA0417164300"),
    ("Mitros", "NL20INGB0001234567"),
    ("Bo-Ex", "NL44RABO0123456789"),
    ("Zorg en Zekerheid", "NL02ABNA0123456789"),
    ("CZ Zorgverzekeringen", "NL55INGB0000001234"),
    ("Eneco", "NL08ABNA0556066666"),
    ("Vitens NV", "NL30RABO0300011111"),
    ("KPN B.V.", "NL27INGB0000026500"),
    ("UWV", "NL35INGB0000006630"),
    ("Gemeente Utrecht Werk en Inkomen", "NL83BNGH0285005021"),
    ("Bouwbedrijf De Vries BV", "NL61RABO0155555555"),
    ("Belastingdienst/Toeslagen", "NL86INGB0002445588"),
    ("SVB", "NL09INGB0000005500"),
    ("Gemeente Utrecht Belastingen", "NL21BNGH0285170035"),
    ("Leefgeld eigen rekening", None),
    ("Albert Heijn 1234", None),
    ("Jumbo Utrecht", None),
    ("Lidl 0321", None),
    ("Action 1881", None),
    ("Bol.com", None),
]
RENT, PREMIUM, ENERGY, WATER, PHONE, UWV, GEMEENTE, EMPLOYER = 0, 3, 5, 6, 7, 8, 9, 10
TOESLAGEN, SVB, TAX, LEEFGELD, SHOP, WEBSHOP = 11, 12, 13, 14, 15, 19


def _month_starts() -> np.ndarray:
    starts = [
        (
            dt.date(START.year + (START.month - 1 + m) // 12, (START.month - 1 + m) % 12 + 1, 1)
            - EPOCH
        ).days
        for m in range(MONTHS + 1)
    ]
    return np.array(starts, dtype=np.int64)


def _to_weekday(days: np.ndarray) -> np.ndarray:
    """Payments due on a Saturday or Sunday are booked the Monday after."""
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return days + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))


class Builder:
    def __init__(self, households: int, seed: int) -> None:
        self.n = households
        self.rng = np.random.default_rng(seed)
        self.month = _month_starts()
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, hh: np.ndarray, day: np.ndarray, cents: np.ndarray, cp: np.ndarray) -> None:
        keep = day < self.month[-1]
        self.parts.append((hh[keep], day[keep], cents[keep], cp[keep]))

    def grid(
        self, who: np.ndarray, days: np.ndarray, cents: np.ndarray, cp: np.ndarray | int
    ) -> None:
        """``days``/``cents``: households × occurrences; NaN-free; one row per cell."""
        k = days.shape[1]
        cps = np.broadcast_to(np.asarray(cp).reshape(-1, 1) if np.ndim(cp) else cp, days.shape)
        self.add(np.repeat(who, k), days.ravel(), cents.ravel(), np.asarray(cps).ravel())

    def monthly(self, who: np.ndarray, dom: np.ndarray | int, every: int = 1) -> np.ndarray:
        months = self.month[:-1:every]
        days: np.ndarray = _to_weekday(months[None, :] + np.asarray(dom).reshape(-1, 1) - 1)
        out: np.ndarray = days + 0 * who[:, None]
        return out

    def build(self) -> pl.DataFrame:
        r = self.rng
        n = self.n
        everyone = np.arange(n)
        m = np.arange(MONTHS)
        # rent on the 1st, +4 % every July (months 6 and 18)
        base = r.integers(35_000, 90_000, n)
        steps = (m >= 6).astype(int) + (m >= 18).astype(int)
        self.grid(
            everyone,
            self.monthly(everyone, 1),
            -(base[:, None] * 1.04**steps).astype(int),
            RENT + r.integers(0, 3, n),
        )
        # health premium, new amount every January
        base = r.integers(12_000, 19_000, n)
        jan = np.where(m >= 12, 1, 0)
        new = (base * r.uniform(1.02, 1.10, n)).astype(int)
        amounts = np.where(jan[None, :] == 1, new[:, None], base[:, None])
        self.grid(everyone, self.monthly(everyone, 1), -amounts, PREMIUM + r.integers(0, 2, n))
        # energy on the 15th, yearly settlement in May, new monthly amount from June
        base = r.integers(8_000, 25_000, n)
        new = (base * r.uniform(0.7, 1.3, n)).astype(int)
        newer = (new * r.uniform(0.7, 1.3, n)).astype(int)
        amounts = np.where(
            m[None, :] >= 17, newer[:, None], np.where(m[None, :] >= 5, new[:, None], base[:, None])
        )
        self.grid(everyone, self.monthly(everyone, 15), -amounts, ENERGY)
        for month in (4, 16):
            settle = r.integers(-80_000, 80_000, n)
            self.add(everyone, np.full(n, self.month[month] + 20), settle, np.full(n, ENERGY))
        # water: half monthly, half quarterly
        quarterly = r.random(n) < 0.5
        who = everyone[quarterly]
        self.grid(
            who,
            self.monthly(who, 20, 3),
            -np.repeat(r.integers(4_000, 7_000, len(who))[:, None], 8, 1),
            WATER,
        )
        who = everyone[~quarterly]
        self.grid(
            who,
            self.monthly(who, 20),
            -np.repeat(r.integers(1_500, 2_500, len(who))[:, None], MONTHS, 1),
            WATER,
        )
        # phone on the 22nd; 5 % stop after month 18
        amounts = np.repeat(r.integers(1_500, 4_000, n)[:, None], MONTHS, 1)
        days = self.monthly(everyone, 22)
        stops = r.random(n) < 0.05
        days = np.where(stops[:, None] & (m[None, :] >= 18), self.month[-1] + 1, days)
        self.grid(everyone, days, -amounts, PHONE)
        # income: 60 % benefit on the 27th (20 % of them a second UWV payment), 40 % 4-weekly pay
        benefit = r.random(n) < 0.6
        who = everyone[benefit]
        base = r.integers(120_000, 150_000, len(who))
        amounts = np.where(m[None, :] >= 12, (base * 1.02).astype(int)[:, None], base[:, None])
        self.grid(
            who, self.monthly(who, 27), amounts, np.where(r.random(len(who)) < 0.5, UWV, GEMEENTE)
        )
        second = who[r.random(len(who)) < 0.2]
        self.grid(
            second,
            self.monthly(second, 27),
            np.repeat(r.integers(30_000, 70_000, len(second))[:, None], MONTHS, 1),
            UWV,
        )
        who = everyone[~benefit]
        offset = r.integers(0, 28, len(who))
        periods = np.arange(27)
        days = self.month[0] + offset[:, None] + 28 * periods[None, :]
        pay = r.integers(150_000, 220_000, len(who))[:, None] * r.uniform(0.85, 1.15, days.shape)
        self.grid(who, days, pay.astype(int), EMPLOYER)
        # zorgtoeslag (60 %), new amount in January
        who = everyone[r.random(n) < 0.6]
        base = r.integers(10_000, 13_000, len(who))
        amounts = np.where(m[None, :] >= 12, (base * 0.97).astype(int)[:, None], base[:, None])
        self.grid(who, self.monthly(who, 20), amounts, TOESLAGEN)
        # kinderbijslag quarterly (30 %), yearly municipal tax (50 %)
        who = everyone[r.random(n) < 0.3]
        self.grid(
            who,
            self.monthly(who, 1, 3),
            np.repeat(r.integers(28_000, 90_000, len(who))[:, None], 8, 1),
            SVB,
        )
        who = everyone[r.random(n) < 0.5]
        days = self.month[[1, 13]][None, :] + 27 + 0 * who[:, None]
        self.grid(
            who,
            _to_weekday(days),
            -np.repeat(r.integers(30_000, 80_000, len(who))[:, None], 2, 1),
            TAX,
        )
        # weekly leefgeld on Mondays (50 %)
        who = everyone[r.random(n) < 0.5]
        first_monday = self.month[0] + (7 - (self.month[0] + 3) % 7) % 7
        days = first_monday + 7 * np.arange(105)[None, :] + 0 * who[:, None]
        self.grid(
            who, days, -np.repeat(r.integers(5_000, 12_000, len(who))[:, None], 105, 1), LEEFGELD
        )
        # groceries (about one a month) and web-shop one-offs (about one every two months)
        for lam, cp_low, cp_high, low, high in (
            (1.0, SHOP, SHOP + 4, 500, 12_000),
            (0.5, WEBSHOP, WEBSHOP + 1, 1_000, 30_000),
        ):
            count = r.poisson(lam * MONTHS, n)
            hh = np.repeat(everyone, count)
            days = self.month[0] + r.integers(0, self.month[-1] - self.month[0], len(hh))
            self.add(
                hh, days, -r.integers(low, high, len(hh)), r.integers(cp_low, cp_high, len(hh))
            )
        return self._frame()

    def _frame(self) -> pl.DataFrame:
        hh = np.concatenate([p[0] for p in self.parts])
        day = np.concatenate([p[1] for p in self.parts])
        cents = np.concatenate([p[2] for p in self.parts])
        cp = np.concatenate([p[3] for p in self.parts])
        order = np.lexsort((day, hh))
        names = pl.Series([c[0] for c in COUNTERPARTIES])
        ibans = pl.Series([c[1] for c in COUNTERPARTIES], dtype=pl.String)
        cp_s = pl.Series(cp[order])
        frame = pl.DataFrame(
            {
                "h": hh[order],
                "booking_date": pl.Series(day[order].astype(np.int32)).cast(pl.Date),
                "amount_cents": cents[order].astype(np.int64),
                "counterparty_iban": ibans.gather(cp_s),
                "counterparty_name": names.gather(cp_s),
            }
        )
        return frame.select(
            household=pl.format("HH{}", pl.col("h").cast(pl.String).str.zfill(6)),
            account=pl.format("NL00HHBK{}", pl.col("h").cast(pl.String).str.zfill(10)),
            booking_date="booking_date",
            amount_cents="amount_cents",
            counterparty_iban="counterparty_iban",
            counterparty_name="counterparty_name",
            tx_key=pl.int_range(pl.len(), dtype=pl.UInt64).hash(7).cast(pl.String),
        )


def synthetic_transactions(households: int, seed: int = 11) -> pl.DataFrame:
    """The columns of the canonical table that detection reads, in store order."""
    return Builder(households, seed).build()


def _memory_mb(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak) of this process, from ``/proc``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Start ``VmHWM`` afresh, so the peak is detection's and not the Parquet reader's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _child(path: str) -> None:
    from budget.recurring import detect_recurring

    frame = pl.read_parquet(path)
    load_peak = _memory_mb("VmHWM")
    loaded = _memory_mb("VmRSS")
    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    series = detect_recurring(frame)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _memory_mb("VmHWM")
    print(f"recurring_rows: {frame.height} rows")
    print(f"recurring_series: {series.height} series")
    print(f"recurring_seconds_{frame['household'].n_unique()}: {seconds:.2f} s")
    print(f"recurring_rows_per_s: {frame.height / seconds:.0f} rows/s")
    print(f"recurring_cpu_seconds: {cpu:.2f} s")
    print(f"recurring_load_peak_memory: {load_peak:.0f} MB")
    print(f"recurring_input_memory: {loaded:.0f} MB")
    print(f"recurring_peak_memory: {peak:.0f} MB")
    print(f"recurring_detect_memory: {peak - loaded:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 000 households")
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--shuffled", action="store_true", help="rows in random order")
    parser.add_argument("--strings", action="store_true", help="plain String key columns")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    households = args.households or (1_000 if args.quick else 100_000)
    frame = synthetic_transactions(households)
    if args.shuffled:
        frame = frame.sample(fraction=1.0, shuffle=True, seed=3)
    if not args.strings:
        frame = frame.with_columns(pl.col(CATEGORICAL).cast(pl.Categorical))
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "transactions.parquet")
        frame.write_parquet(path)
        del frame
        result = subprocess.run(
            [sys.executable, __file__, "--child", path], capture_output=True, text=True, check=False
        )
    sys.stdout.write(result.stdout)
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)


if __name__ == "__main__":
    main()
