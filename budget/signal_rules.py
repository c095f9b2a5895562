"""The signal rules of :mod:`budget.signals`, each over all households at once.

Every rule reads the prepared series (:mod:`budget.schedule`), the series' payments near the
review window and the context (window and margins per household), and returns rows of
:data:`RAW_SCHEMA` with the message already in Dutch. How each rule decides:

- **payment missing**: every expected date ``d`` of a series in the window, not after its first
  missed date, with ``d + margin < as_of``, that no payment of the series (or a later one of
  the same payer that the detector did not attach, see :mod:`budget.signal_inputs`) settles.
  A payment settles one date: from half a period before it (paid early, as benefits are
  before the holidays) to the detector's tolerance before the next date (late beyond the
  margin, but before the next one is due); see :func:`_settled`. The signal is for money
  that did not come at all.
- **amount differs**: a payment of a series with a fixed amount that differs from the level in
  force *before* it by more than both amount margins. A new level (a rent increase) is reported
  once, at its first payment; series whose amount varies by nature (``amount_varies``) are not
  checked (their changes show in income and in the forecast band).
- **extra transactions**: a payment the detector calls extra that lies within half a period of
  the series' own payment: two debits in one period.
- **fixed cost stopped**: a fixed-cost series the detector calls ended, whose second missed date
  plus the margin lies in the window and after which nothing of that payer came (the first
  missed date stays a "payment missing" of its own).
- **negative balance**: per month, the end-of-day balance (or the balance carried into the
  window) below the floor; the first such day and the lowest balance.
- **income dropped**: structural income per month, the monthly equivalent of each income
  series' last payment (the mean of its last three periods when its amount varies), a month
  against the one before.
- **forecast** (:mod:`budget.signal_totals`): the first month the expected or the low path of
  the forecast goes below the floor, and the first month the expected path goes below the
  buffer target.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from budget import signal_text as txt
from budget.periods import MONTHLY_FACTOR, PERIODICITIES
from budget.schedule import (
    I64,
    B,
    SeriesTable,
    early_days,
    expected_days,
    period_days,
    step,
    tolerance,
)
from budget.signal_inputs import SHIFT, count_between, series_day_keys
from budget.signals import Severity, SignalKind

LOOKBACK_DAYS = 100
"""Payments read before the window: three periods of a varying monthly or 4-weekly income
before the first month compared, and the payment a double debit at the window's start pairs
with."""

RAW_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "kind": pl.String,
    "severity": pl.String,
    "household": pl.String,
    "day": pl.Int64,
    "id_day": pl.Int64,
    "amount_cents": pl.Int64,
    "reference_cents": pl.Int64,
    "series": pl.String,
    "counterparty": pl.String,
    "tx_keys": pl.List(pl.String),
    "message": pl.String,
}
"""``day`` is the signal's date, ``id_day`` the date in its id (the month for month signals)."""

_NUM = np.array([MONTHLY_FACTOR[p][0] for p in PERIODICITIES], dtype=np.int64)
_DEN = np.array([MONTHLY_FACTOR[p][1] for p in PERIODICITIES], dtype=np.int64)


def _raw(frame: pl.DataFrame, **columns: pl.Expr) -> pl.DataFrame:
    exprs = [
        columns.get(n, pl.col(n) if n in frame.columns else pl.lit(None)).cast(t).alias(n)
        for n, t in RAW_SCHEMA.items()
    ]
    return frame.select(exprs)


def _lit(value: str) -> pl.Expr:
    return pl.lit(value, pl.String)


def missing_and_stopped(
    s: pl.DataFrame, table: SeriesTable, pays: pl.DataFrame
) -> list[pl.DataFrame]:
    kind, d1 = s["kind"].to_numpy(), s["d1"].to_numpy()
    as_of, since, m = s["as_of"].to_numpy(), s["since"].to_numpy(), s["m"].to_numpy()
    tol = tolerance(kind)
    first = s["first_day"].to_numpy() - tol
    start = np.maximum(since, first)
    end = np.minimum(d1, as_of - m - 1)
    period = np.ceil(period_days(kind)).astype(np.int64)
    # one date before the window takes part in the assignment, so that its own late payment
    # is not taken for an early payment of the window's first date; only where the payments
    # read (LOOKBACK_DAYS before the window) reach back to its own early ones (not for a
    # yearly series, whose date before would take the window's early payment as its own)
    early = early_days(kind)
    visible = since - LOOKBACK_DAYS + early
    before = np.minimum(start, np.maximum(start - period, np.maximum(first, visible)))
    idx, day, _ = expected_days(kind, d1, before, end + 2 * period)
    nxt = np.append(day[1:], 0)[: len(day)]
    has_next = np.append(idx[1:] == idx[:-1], False)[: len(idx)]
    idx, day, nxt = idx[has_next], day[has_next], nxt[has_next]
    pay_keys = series_day_keys(pays["sid"].to_numpy(), pays["day"].to_numpy())
    settled = _settled(pay_keys, s["sid"].to_numpy()[idx], idx, day, nxt, tol[idx], early[idx])
    cand = (day >= start[idx]) & (day <= end[idx])
    idx, day, covered = idx[cand], day[cand], settled[cand]
    sid = s["sid"].to_numpy()[idx]
    # fixed costs that stopped: the second missed date plus the margin passed in the window
    d2 = step(kind, d1, 1)
    after_last = (
        count_between(
            pay_keys,
            s["sid"].to_numpy(),
            s["last_day"].to_numpy() + 1,
            np.full(len(kind), SHIFT - 1),
        )
        > 0
    )
    stopped = (
        (s["status"] == "ended").to_numpy()
        & s["fixed"].to_numpy()
        & ~after_last
        & (d2 >= since)
        & (d2 + m < as_of)
    )
    keep = ~covered
    idx, day, sid = idx[keep], day[keep], sid[keep]
    expected, _ = table.levels.at(sid, day)
    miss = s[idx].with_columns(day=pl.Series(day), expected=pl.Series(expected))
    missing = _raw(
        miss,
        kind=_lit(SignalKind.PAYMENT_MISSING),
        severity=pl.when(pl.col("income") | pl.col("fixed"))
        .then(_lit(Severity.ALERT))
        .otherwise(_lit(Severity.WARNING)),
        id_day=pl.col("day"),
        amount_cents=pl.col("expected"),
        counterparty=pl.col("counterparty_name"),
        tx_keys=pl.lit([], pl.List(pl.String)),
        message=pl.concat_str(
            _head("expected"),
            _lit(" is niet "),
            _verb(),
            _lit(": verwacht rond "),
            txt.long_date(pl.col("day")),
            _lit(", marge "),
            txt.days(pl.col("m")),
        ),
    )
    gone = s.filter(pl.Series(stopped)).with_columns(d2=pl.Series(d2[stopped]))
    stop = _raw(
        gone,
        kind=_lit(SignalKind.FIXED_COST_STOPPED),
        severity=_lit(Severity.ALERT),
        day=pl.col("d2"),
        id_day=pl.col("d2"),
        amount_cents=pl.col("amount"),
        counterparty=pl.col("counterparty_name"),
        tx_keys=pl.lit([], pl.List(pl.String)),
        message=pl.concat_str(
            _head("amount"),
            _lit(" lijkt gestopt: laatste betaling "),
            txt.long_date(pl.col("last_day")),
            _lit(", niet betaald rond "),
            txt.long_date(pl.col("d1")),
            _lit(" en "),
            txt.long_date(pl.col("d2")),
            _lit(" (marge "),
            txt.days(pl.col("m")),
            _lit("); mogelijk een achterstand"),
        ),
    )
    return [missing, stop]


def _settled(pay_keys: I64, sid: I64, idx: I64, day: I64, nxt: I64, tol: I64, early: I64) -> B:
    """Which expected dates a payment settles, each payment settling one date at most.

    Date ``d`` (next date ``n``) can be settled by a payment from ``early`` days before ``d``
    (:func:`budget.schedule.early_days`) up to the detector's tolerance before ``n``
    (late, but before the next one is due). The windows of neighbouring dates overlap, so the
    dates of a series take, in order, the earliest payment in their window that no earlier
    date took; for windows ordered like these that settles as many dates as any assignment
    can. Rows are grouped by series (``idx``), dates ascending, as :func:`expected_days`
    returns them. Positions in ``pay_keys`` stand for payments: one searchsorted per window
    edge, then one vectorised step per date rank across all series.
    """
    lo = np.searchsorted(pay_keys, series_day_keys(sid, day - early))
    hi = np.searchsorted(pay_keys, series_day_keys(sid, nxt - tol))
    settled = np.zeros(len(day), dtype=bool)
    if not len(day):
        return settled
    new = np.append(True, idx[1:] != idx[:-1])
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(day)), 0))
    rank = np.arange(len(day)) - group_start
    order = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[order], np.arange(int(rank.max()) + 2))
    used = lo.copy()  # per date: the position after the payment it took (or its window start)
    for r in range(len(bounds) - 1):
        rows = order[bounds[r] : bounds[r + 1]]
        at = lo[rows] if r == 0 else np.maximum(lo[rows], used[rows - 1])
        took = at < hi[rows]
        settled[rows] = took
        used[rows] = at + took
    return settled


def _key(tx: pl.DataFrame, rows: pl.Series) -> pl.Series:
    """The ``tx_key`` of prefetched rows (payments carry only their row number)."""
    return tx["tx_key"].cast(pl.String).gather(rows)


def _head(amount: str | None = None) -> pl.Expr:
    """``Huur Portaal (maandelijks, € 612,50)``, or without the amount."""
    parts = [pl.col("label"), _lit(" ("), txt.periodicity(pl.col("periodicity"))]
    if amount:
        parts += [_lit(", "), txt.euro(pl.col(amount))]
    return pl.concat_str([*parts, _lit(")")])


def _verb() -> pl.Expr:
    return pl.when(pl.col("sign") > 0).then(_lit("ontvangen")).otherwise(_lit("betaald"))


def amounts_differ(
    s: pl.DataFrame, table: SeriesTable, pays: pl.DataFrame, tx: pl.DataFrame
) -> pl.DataFrame:
    """A late payment (not attached by the detector) is compared with the payment before it when
    that one was late too: a new amount the detector did not make a level is reported once."""
    own = pays.filter(~pl.col("extra")).with_columns(
        before=pl.col("amount").shift(1).over("sid"),
        before_late=pl.col("late").shift(1).over("sid").fill_null(False),
    )
    limits = s.filter(~pl.col("varies")).select("sid", "since", "as_of", "pct", "cents")
    paid = own.join(limits, on="sid").filter(pl.col("day").is_between("since", "as_of"))
    ref, found = table.levels.at(
        paid["sid"].to_numpy(), paid["day"].to_numpy(), strictly_before=True
    )
    follows_late = pl.col("late") & pl.col("before_late")
    paid = paid.with_columns(
        ref=pl.when(follows_late).then(pl.col("before")).otherwise(pl.Series(ref, dtype=pl.Int64)),
        found=pl.Series(found) | follows_late,
    )
    diff = (pl.col("amount") - pl.col("ref")).abs()
    hit = paid.filter(
        pl.col("found"),
        diff * 100 > pl.col("pct") * pl.col("ref").abs(),
        diff > pl.col("cents"),
    )
    hit = hit.with_columns(tx_key=_key(tx, hit["txi"])).join(
        s.drop("amount", "since", "as_of", "pct", "cents"), on="sid"
    )  # the text columns only for the payments that differ
    more = pl.col("amount").abs() > pl.col("ref").abs()
    change = pl.concat_str(
        pl.when(more).then(_lit("+")).otherwise(_lit("-")),
        txt.euro(pl.col("amount") - pl.col("ref")),
        _lit(", "),
        pl.when(more).then(_lit("+")).otherwise(_lit("-")),
        txt.percent(pl.col("amount").abs() - pl.col("ref").abs(), pl.col("ref")),
    )
    return _raw(
        hit,
        kind=_lit(SignalKind.AMOUNT_DIFFERS),
        severity=_lit(Severity.WARNING),
        id_day=pl.col("day"),
        amount_cents=pl.col("amount"),
        reference_cents=pl.col("ref"),
        counterparty=pl.col("counterparty_name"),
        tx_keys=pl.concat_list(pl.col("tx_key")),
        message=pl.concat_str(
            _head(),
            _lit(": "),
            txt.euro(pl.col("amount")),
            _lit(" "),
            _verb(),
            _lit(" op "),
            txt.long_date(pl.col("day")),
            _lit(" in plaats van "),
            txt.euro(pl.col("ref")),
            _lit(" ("),
            change,
            _lit("); "),
            txt.amount_margin(pl.col("pct"), pl.col("cents")),
        ),
    )


def extra_payments(s: pl.DataFrame, pays: pl.DataFrame, tx: pl.DataFrame) -> pl.DataFrame:
    own = pays.filter(~pl.col("extra"), ~pl.col("late"))
    extra = pays.filter(pl.col("extra")).join(s.drop("amount"), on="sid")
    extra = extra.filter(pl.col("day").is_between(pl.col("since"), pl.col("as_of")))
    if extra.height == 0 or own.height == 0:
        return pl.DataFrame(schema=RAW_SCHEMA)
    keys = series_day_keys(own["sid"].to_numpy(), own["day"].to_numpy())
    sid, day = extra["sid"].to_numpy(), extra["day"].to_numpy()
    half = period_days(extra["kind"].to_numpy()) / 2
    pos = np.searchsorted(keys, series_day_keys(sid, day))
    best = np.full(len(sid), -1, dtype=np.int64)
    gap = np.full(len(sid), np.inf)
    own_sid, own_day = own["sid"].to_numpy(), own["day"].to_numpy()
    for p in (pos - 1, pos):  # the own payment just before and just after
        ok = (p >= 0) & (p < len(keys))
        q = np.clip(p, 0, len(keys) - 1)
        dist = np.abs(own_day[q] - day).astype(np.float64)
        closer = ok & (own_sid[q] == sid) & (dist < half) & (dist < gap)
        best = np.where(closer, q, best)
        gap = np.where(closer, dist, gap)
    twin = best >= 0
    pick = np.maximum(best, 0)
    pairs = extra.filter(pl.Series(twin)).with_columns(
        main_day=pl.Series(own_day[pick][twin]),
        main_amount=pl.Series(own["amount"].to_numpy()[pick][twin]),
        main_txi=pl.Series(own["txi"].to_numpy()[pick][twin]),
    )
    pairs = pairs.with_columns(tx_key=_key(tx, pairs["txi"]), main_key=_key(tx, pairs["main_txi"]))
    return _raw(
        pairs,
        kind=_lit(SignalKind.EXTRA_TRANSACTIONS),
        severity=_lit(Severity.WARNING),
        id_day=pl.col("day"),
        amount_cents=pl.col("amount"),
        reference_cents=pl.col("main_amount"),
        counterparty=pl.col("counterparty_name"),
        tx_keys=pl.concat_list(pl.col("main_key"), pl.col("tx_key")),
        message=pl.concat_str(
            _head(),
            _lit(": extra betaling van "),
            txt.euro(pl.col("amount")),
            _lit(" op "),
            txt.long_date(pl.col("day")),
            _lit(", naast "),
            txt.euro(pl.col("main_amount")),
            _lit(" op "),
            txt.long_date(pl.col("main_day")),
            _lit("; één betaling per periode verwacht"),
        ),
    )
