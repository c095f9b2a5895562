"""What the signal rules read: the transactions near each household's review window, the
series with their household's window and margins, and each series' payments there.

Payments are found from the series' own ``tx_keys`` (the newest few: they are in date order)
joined to the transactions on a hash of the key (:data:`budget.schedule.HASH_SEED`), plus the
*late* ones: later payments of the same payer that the detector did not attach, because they came
after its tolerance or with a changed amount. Rules count payments between two days with a
binary search on ``series × 2**24 + day``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.recurring_keys import normalise_iban, normalise_name
from budget.schedule import HASH_SEED, I64, SeriesTable, day_number, period_days, same_cluster

LOOKBACK_DAYS = 100
"""Payments read before the window: three periods of a varying monthly or 4-weekly income
before the first month compared, and the payment a double debit at the window's start pairs
with."""

SHIFT = 1 << 24
"""Day numbers stay below 2**24 (the year 47 900), so (series, day) fits one int64 key."""


def prefetch(transactions: pl.DataFrame | pl.LazyFrame, ctx: pl.DataFrame) -> pl.DataFrame:
    """The transactions the rules read: per household from ``balance_date`` or ``LOOKBACK_DAYS``
    before ``since`` (the earlier) up to ``as_of``; ``day`` as a day number."""
    window = ctx.select(
        "household",
        "hix",
        start=pl.min_horizontal(day_number("since") - LOOKBACK_DAYS, day_number("balance_date")),
        end=day_number("as_of"),
    )
    return read_window(transactions, window)


def read_window(transactions: pl.DataFrame | pl.LazyFrame, window: pl.DataFrame) -> pl.DataFrame:
    """The transactions of each household of ``window`` (``household, hix, start, end``, day
    numbers) between its ``start`` and ``end``, as :func:`prefetch` gives them."""
    if window.height == 0:
        window = window.clear()
    lo, hi = window["start"].min(), window["end"].max()
    lazy = transactions.lazy()
    first = pl.lit(lo if lo is not None else 0).cast(pl.Int32).cast(pl.Date)
    last = pl.lit(hi if hi is not None else 0).cast(pl.Int32).cast(pl.Date)
    return (
        lazy.filter(pl.col("booking_date").is_between(first, last), pl.col("amount_cents") != 0)
        .with_columns(pl.col("household").cast(pl.String))
        .join(window.lazy(), on="household", how="inner")
        .with_columns(day=day_number("booking_date"))
        .filter(pl.col("day").is_between(pl.col("start"), pl.col("end")))
        .select(
            "household",
            "hix",
            "account",
            "day",
            pl.col("amount_cents").cast(pl.Int64).alias("amount"),
            "tx_key",
            "counterparty_iban",
            "counterparty_name",
        )
        .collect()
    )


def series_context(table: SeriesTable, ctx: pl.DataFrame) -> pl.DataFrame:
    """The prepared series with their household's window and margins (day numbers)."""
    return table.frame.join(
        ctx.select(
            "household",
            "hix",
            as_of=day_number("as_of"),
            since=day_number("since"),
            m=pl.col("date_tolerance_days"),
            pct=pl.col("amount_tolerance_pct"),
            cents=pl.col("amount_tolerance_cents"),
            drop=pl.col("income_drop_pct"),
        ),
        on="household",
        how="inner",
    )


def payments(series: pl.DataFrame, s: pl.DataFrame, tx: pl.DataFrame) -> pl.DataFrame:
    """``sid, txi, day, amount, extra, late``, sorted by series and day (``txi``: the row in
    ``tx``, whose ``tx_key`` only the few rows that become a signal need; ``tx`` must be
    numbered with ``with_row_index("txi")``).

    The series' own payments from its newest ``tx_keys`` (in date order, so the last
    ``ceil(span / period) + 3 + extras`` cover everything since the look-back start), and for
    series with a passed due date the later payments of the same payer in the same amount
    cluster that the detector did not attach (``late``).
    """
    span = (s["as_of"] - s["since"] + LOOKBACK_DAYS).to_numpy()
    need = s.select("sid", "household", "hix").with_columns(
        n=pl.Series(np.ceil(span / period_days(s["kind"].to_numpy())).astype(np.int64) + 3)
        + s["extra_count"]
    )
    listed = series.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("sid"), "tx_keys", "extra_tx_keys"
    ).join(need, on="sid", how="inner")
    own = _own(listed, tx)
    frames = [own, _late(s, tx)]
    both = pl.concat([f.select(own.columns) for f in frames])
    key = series_day_keys(both["sid"].to_numpy(), both["day"].to_numpy())
    return both[np.argsort(key, kind="stable")]  # one integer key sorts 5x faster than three


def _own(listed: pl.DataFrame, tx: pl.DataFrame) -> pl.DataFrame:
    """Match the series' newest keys to the transactions on a 64-bit hash of household and
    ``tx_key``, by binary search in the sorted hashes (no hash table over millions of strings)."""
    tx_h = tx["tx_key"].cast(pl.String).hash(HASH_SEED).to_numpy() ^ _spread(tx["hix"].to_numpy())
    order = np.argsort(tx_h, kind="stable")
    sorted_h = tx_h[order]

    def find(keys: pl.Expr) -> tuple[I64, I64]:
        hashed = listed.select("sid", "hix", h=keys).explode("h").drop_nulls("h")
        wanted = hashed["h"].to_numpy() ^ _spread(hashed["hix"].to_numpy())
        asked = np.argsort(wanted)  # sorted queries: the search walks memory in order, 4x faster
        wanted = wanted[asked]
        pos = np.minimum(np.searchsorted(sorted_h, wanted), max(len(sorted_h) - 1, 0))
        ok = (sorted_h[pos] == wanted) if len(sorted_h) else np.zeros(len(wanted), dtype=bool)
        sid: I64 = hashed["sid"].to_numpy()[asked[ok]]
        txi: I64 = order[pos[ok]].astype(np.int64)
        return sid, txi

    per_key = pl.element().hash(HASH_SEED)
    sid, txi = find(pl.col("tx_keys").list.tail(pl.col("n")).list.eval(per_key))
    extra_sid, extra_txi = find(pl.col("extra_tx_keys").list.eval(per_key))
    extra = np.isin((sid << 32) + txi, (extra_sid << 32) + extra_txi)
    return pl.DataFrame(
        {
            "sid": sid,
            "txi": pl.Series(txi).cast(pl.UInt32),
            "day": tx["day"].to_numpy()[txi],
            "amount": tx["amount"].to_numpy()[txi],
            "extra": extra,
            "late": np.zeros(len(sid), dtype=bool),
        }
    )


def _spread(hix: I64) -> npt.NDArray[np.uint64]:
    """splitmix64 of the household's row, so that its bits reach the whole hash."""
    z = hix.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: npt.NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return out


def later_payments(s: pl.DataFrame, tx: pl.DataFrame, which: pl.Expr) -> pl.DataFrame:
    """As the late payments of :func:`payments`, for the series ``which`` selects (not only
    those whose date has passed): what the payer paid after the series' last payment, an early
    payment of the next date among them; ``sid, txi, day, amount``."""
    return _late(s, tx, which)


def _late(s: pl.DataFrame, tx: pl.DataFrame, which: pl.Expr | None = None) -> pl.DataFrame:
    """Payments of a series' payer after its last payment that the detector did not attach:
    late beyond its tolerance, or a changed amount. A different amount only counts when the
    payer has no other series in that direction (UWV paying two benefits stays two series)."""
    key = ["hix", "payer"]
    payer = pl.concat_str(
        pl.col("account").cast(pl.String).fill_null(""),
        pl.col("counterparty_key"),
        pl.col("sign").cast(pl.String),
        separator="|",
    ).hash(HASH_SEED)
    if which is None:
        which = pl.col("d1") <= pl.col("as_of")
    named = s.select("hix", "sid", "last_day", "amount", payer=payer, asked=which)
    sole = named.group_by(key).agg(sole=pl.len() == 1)
    due = (
        named.filter("asked")
        .join(sole, on=key)
        .select(*key, "sid", "last_day", "sole", level="amount")
    )
    after = due.group_by("hix").agg(after=pl.col("last_day").min())
    sub = tx.join(after, on="hix").filter(pl.col("day") > pl.col("after")).drop("after")
    sub = sub.with_columns(
        counterparty_key=pl.coalesce(
            normalise_iban(pl.col("counterparty_iban").cast(pl.String)),
            pl.lit("naam:")
            + normalise_name(pl.col("counterparty_name").cast(pl.String).fill_null("")),
        ),
        sign=pl.col("amount").sign(),
    ).with_columns(payer=payer)
    return (
        sub.join(due, on=key, how="inner")
        .filter(
            pl.col("day") > pl.col("last_day"),
            pl.col("sole") | same_cluster(pl.col("amount"), pl.col("level")),
        )
        .select("sid", "txi", "day", "amount", extra=pl.lit(False), late=pl.lit(True))
    )


def series_day_keys(sid: I64, day: I64) -> I64:
    out: I64 = sid * SHIFT + day
    return out


def count_between(pay_keys: I64, sid: I64, lo: I64, hi: I64) -> I64:
    """Payments of each series with ``lo <= day < hi`` (``pay_keys`` sorted)."""
    out: I64 = np.searchsorted(pay_keys, series_day_keys(sid, hi)) - np.searchsorted(
        pay_keys, series_day_keys(sid, lo)
    )
    return out
