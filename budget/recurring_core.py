"""The vectorised engine behind :mod:`budget.recurring`: numbers in, numbers out.

Everything here works on whole columns (numpy arrays and polars series), because the product
benchmark runs 25 million transactions through it in seconds; a Python loop per transaction or per
series would take minutes. It is called once per chunk of whole households (about a million rows,
see :mod:`budget.recurring_keys`), so its arrays stay small and cache-friendly whatever the input
size. Two sorts (key and amount; cluster and date) carry the whole method; everything else is
cumulative sums, forward fills and per-group reductions over contiguous groups:

1. **Keys** (:class:`budget.recurring_keys.Rows`). Household, account, counterparty (IBAN, else
   the normalised name) and direction are hashed into one 64-bit ``gkey``; names and IBANs are
   normalised once per distinct value.
2. **Amount clusters** (sort 1: key, absolute amount). A new cluster starts where the next amount
   is more than 25 % *and* more than €1 above the previous one. Gradual variation (a salary with
   varying hours, energy, a rent increase of a few percent) chains into one cluster; clearly
   different amounts from one payer (UWV's €457,34 and €637,68) stay apart. Lone payments go.
3. **Rhythm.** Each payment is placed on a circle per candidate period: weekly and 4-weekly on
   days, monthly/quarterly/yearly on a calendar scale on which every 1st of the month is the same
   point. The mean resultant length ``R`` says how well a cluster keeps one phase and needs only
   sums, so no sorting by date yet. A period qualifies when the count fits the span (½ to 1.6
   payments per expected date, at least the minimum) and ``R`` ≥ 0.5; the highest ``R`` wins,
   monthly over 4-weekly unless 4-weekly is 0.05 better. The circular mean is the anchor day.
4. **Level changes** (:mod:`budget.recurring_links`). Clusters of one key with the same
   rhythm, the next starting within 1½ periods after the previous ended, are one series whose
   amount changed (energy down 30 % after the yearly settlement); their circle sums add up. A
   cluster that spans another's months (€91,60, €57,95, then €79,90) is first cut into its
   stretches, and a new level paid only twice borrows the rhythm of the level before it.
5. **Occurrences** (by series and date: step 4's pieces in order, no sort of their rows). Each
   payment gets a period number ``k`` and a residual to its expected date; within tolerance it
   is on time. The first on-time payment of a period is the occurrence; other payments within
   the series' span are extras. Three missed periods in a row split a series (it stopped; a
   later restart is a new series).
6. **Levels.** Consecutive occurrences within 0.5 % form a run; a run of two or more is a level.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.periods import (
    CALENDAR_BASED,
    MIN_OCCURRENCES,
    MONTH_DAYS,
    PERIOD_DAYS,
    PERIODICITIES,
    TOLERANCE_DAYS,
    Periodicity,
)
from budget.recurring_keys import Rows
from budget.recurring_links import (
    LEVEL_TOLERANCE,
    MONTHLY_PREFERENCE,
    R_MIN,
    Chains,
    Clusters,
    link,
    stable_argsort,
)

CLUSTER_GAP_RATIO = 0.25
CLUSTER_GAP_MIN_CENTS = 100
SPLIT_AFTER_MISSED = 3
MIN_COVERAGE = 0.75
MAX_EXTRA_SHARE = 0.5
SHORT_SERIES = 3
SHORT_AMOUNT_SPREAD = 0.10
PAIR_MAX_UNEXPLAINED = 1
"""Short series need more than timing. A series of at most three payments counts only when its
largest amount is at most 10 % above its smallest; a series of two (quarterly, yearly) also only
when its counterparty has at most one payment outside any longer series. Two grocery payments that
happen to lie a quarter apart are not a quarterly series."""

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

P = np.array([PERIOD_DAYS[p] for p in PERIODICITIES])
TOL = np.array([TOLERANCE_DAYS[p] for p in PERIODICITIES])
CAL = np.array([CALENDAR_BASED[p] for p in PERIODICITIES])
MIN_OCC = np.array([MIN_OCCURRENCES[p] for p in PERIODICITIES])
MONTHLY = PERIODICITIES.index(Periodicity.MONTHLY)
_AMOUNT_BITS = 26


def month_coordinate(days: I64) -> F64:
    """Day numbers → a day-like scale on which every 1st of the month is a whole month.

    ``(months since 1970 + (day of month − 1) / days in month) × average month length``: rent on
    the 1st lands on the same phase in February and in March, which plain day numbers do not.
    """
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    start = month.astype("datetime64[D]")
    length = (month + 1).astype("datetime64[D]") - start
    frac = (d - start).astype(np.float64) / length.astype(np.float64)
    out: F64 = (month.astype(np.int64).astype(np.float64) + frac) * MONTH_DAYS
    return out


def coordinate_to_day(coord: F64, calendar: B) -> I64:
    """Inverse of the coordinates: a (fractional) position back to a day number."""
    months = coord / MONTH_DAYS
    whole = np.floor(months)
    start = whole.astype(np.int64).astype("datetime64[M]")
    first = start.astype("datetime64[D]")
    length = ((start + 1).astype("datetime64[D]") - first).astype(np.float64)
    from_month = first.astype(np.int64) + np.round((months - whole) * length).astype(np.int64)
    return np.where(calendar, from_month, np.round(coord).astype(np.int64))


_argsort = stable_argsort


def _starts(flags: B) -> I64:
    return np.flatnonzero(flags).astype(np.int64)


def _clusters(rows: Rows) -> tuple[Rows, I64, I64, I64]:
    """Step 2: rows sorted by key and amount, without lone payments; per row its cluster, its
    key (dense number) and the number of payments of that key (for the two-payment rule)."""
    absolute = np.abs(rows.amount)
    capped = np.minimum(absolute, 2**_AMOUNT_BITS - 1).astype(np.uint64)
    bits = np.uint64(_AMOUNT_BITS)
    order = _argsort(((rows.gkey >> bits) << bits) | capped)
    del capped
    g = rows.gkey[order]
    sorted_prefix = g >> bits
    collide = (g[1:] != g[:-1]) & (sorted_prefix[1:] == sorted_prefix[:-1])
    if collide.any():  # two keys share the 38 sorted bits (rare): sort just those exactly
        pos = np.flatnonzero(np.isin(sorted_prefix, np.unique(sorted_prefix[1:][collide])))
        sub = order[pos]
        order[pos] = sub[np.lexsort((absolute[sub], rows.gkey[sub], rows.gkey[sub] >> bits))]
        g = rows.gkey[order]
    del sorted_prefix, collide, absolute
    amount = rows.amount[order]
    a = np.abs(amount)
    new_key = np.empty(len(g), dtype=bool)
    new_key[:1] = True
    new_key[1:] = g[1:] != g[:-1]
    key_id = np.cumsum(new_key) - 1
    brk = new_key.copy()
    gap = a[1:] - a[:-1]
    brk[1:] |= (gap > CLUSTER_GAP_RATIO * a[:-1]) & (gap > CLUSTER_GAP_MIN_CENTS)
    kept = ~(brk & np.append(brk[1:], True))  # lone payments go
    keep = order[kept]
    sorted_rows = Rows(rows.ri[keep], g[kept], rows.day[keep], amount[kept])
    cluster = np.cumsum(brk[kept]) - 1
    key_rows = np.bincount(key_id)
    key_id = key_id[kept]
    return sorted_rows, cluster, key_id, key_rows[key_id]


def _rhythm(rows: Rows, cluster: I64) -> Chains:
    """Steps 3 and 4: periodicity and anchor per chain."""
    starts = _starts(np.diff(cluster, prepend=-1) != 0)
    n = np.diff(np.append(starts, len(cluster))).astype(np.float64)
    dmin = np.minimum.reduceat(rows.day, starts)
    dmax = np.maximum.reduceat(rows.day, starts)
    day0 = int(rows.day.min())
    offset = rows.day - day0
    table_days = np.arange(day0, int(rows.day.max()) + 1)
    month_table = month_coordinate(table_days)
    span = (dmax - dmin).astype(np.float64)
    best = np.full(len(starts), -1.0)
    kind = np.full(len(starts), -1, dtype=np.int64)
    sums = np.zeros((len(PERIODICITIES), 2, len(starts)))
    for i in range(len(PERIODICITIES)):
        n_est = np.round(span / P[i]) + 1
        fits = (n_est >= MIN_OCC[i]) & (n >= 0.5 * n_est) & (n <= 1.6 * n_est)
        if not fits.any():
            continue
        coord = month_table if CAL[i] else table_days.astype(np.float64)
        angle = coord * (2 * math.pi / P[i])
        _circle_sums(sums[i], fits, np.cos(angle), np.sin(angle), offset, starts)
        r = np.hypot(sums[i, 0], sums[i, 1]) / n
        score = r + (MONTHLY_PREFERENCE if i == MONTHLY else 0.0)
        better = fits & (r >= R_MIN) & (score > best)
        best = np.where(better, score, best)
        kind = np.where(better, i, kind)
    idx = np.arange(len(starts))
    g = rows.gkey[starts]
    new_key = np.ones(len(g), dtype=bool)
    new_key[1:] = g[1:] != g[:-1]
    clusters = Clusters(
        cluster=cluster,
        day=rows.day,
        starts=starts,
        key=np.cumsum(new_key) - 1,
        dmin=dmin.astype(np.int64),
        dmax=dmax.astype(np.int64),
        kind=kind,
        amount=np.abs(rows.amount),
        cos=sums[np.maximum(kind, 0), 0, idx],
        sin=sums[np.maximum(kind, 0), 1, idx],
    )
    return link(clusters, day0, month_table)


def _circle_sums(
    out: F64, fits: B, cos: F64, sin: F64, offset: npt.NDArray[np.integer], starts: I64
) -> None:
    """``out[0]``/``out[1]``: per cluster the sum of cos/sin over its days (only where it
    ``fits`` the period; others are never read). Weekly, quarterly and yearly fit few clusters,
    so only their rows are gathered; the sums are over the same values in the same order."""
    if fits.mean() > 0.5:
        out[0] = np.add.reduceat(cos[offset], starts)
        out[1] = np.add.reduceat(sin[offset], starts)
        return
    counts = np.diff(np.append(starts, len(offset)))[fits]
    days = offset[np.repeat(fits, np.diff(np.append(starts, len(offset))))]
    sub_starts = np.cumsum(counts) - counts
    out[0][fits] = np.add.reduceat(cos[days], sub_starts)
    out[1][fits] = np.add.reduceat(sin[days], sub_starts)


def _group_first_last(group: I64, size: int) -> tuple[I64, I64]:
    """First and last position of each group in a sorted group array (−1 if empty)."""
    first = np.full(size, -1, dtype=np.int64)
    last = np.full(size, -1, dtype=np.int64)
    pos = np.arange(len(group))
    first[group[::-1]] = pos[::-1]
    last[group] = pos
    return first, last


def detect(rows: Rows) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Steps 2-6. Returns ``series`` (one row per qualifying series, numbers only), ``members``
    (``sid``, ``ri``, ``extra``: the series' transactions in date order) and ``levels``
    (``sid``, ``start`` day, ``amount``)."""
    rows, cluster, key_id, key_rows = _clusters(rows)
    if len(cluster) == 0:
        return _empty()
    chains = _rhythm(rows, cluster)
    sel = chains.in_order  # sort 2: the rows of the chains by chain and day
    if not len(sel):
        return _empty()
    chain = chains.of_row[sel]
    day0 = int(rows.day.min())
    ri, day, amount = rows.ri[sel], rows.day[sel], rows.amount[sel]
    key_id, key_rows = key_id[sel], key_rows[sel]
    kind = chains.kind[chain]
    per, tol, cal = P[kind], TOL[kind], CAL[kind]
    anchor = chains.anchor[chain]
    days_table = np.arange(day0, int(day.max()) + 1)
    coord = np.where(cal, month_coordinate(days_table)[day - day0], day.astype(np.float64))
    x = (coord - anchor) / per
    k = np.floor(x + 0.5).astype(np.int64)
    on = np.abs((x - k) * per) <= tol
    chain_start = np.diff(chain, prepend=-1) != 0
    group_start = chain_start | (np.diff(k, prepend=k[:1] - 1) != 0)
    seen = np.cumsum(on)
    before = seen - on
    base = np.maximum.accumulate(np.where(group_start, before, 0))
    main = on & (seen - base == 1)
    mi = np.flatnonzero(main)
    if not len(mi):  # chains, but not one payment on time (possible in a small chunk)
        return _empty()
    # segments and level runs start only at occurrences: compare each with the one before
    prev = np.concatenate(([-1], mi[:-1]))
    has_prev = prev >= 0
    pp = np.maximum(prev, 0)
    seg_start = chain_start
    seg_start[mi] |= ~has_prev | (chain[pp] != chain[mi]) | (k[mi] - k[pp] > SPLIT_AFTER_MISSED)
    sid = np.cumsum(seg_start) - 1
    n_seg = int(sid[-1]) + 1
    m_sid = sid[mi]
    m_amount = amount[mi]
    change = np.abs(m_amount - amount[pp]) > LEVEL_TOLERANCE * np.abs(amount[pp])
    m_run = np.cumsum(~has_prev | (sid[pp] != m_sid) | change) - 1
    n_main = np.bincount(m_sid, minlength=n_seg)
    first, last = _group_first_last(m_sid, n_seg)
    has = n_main > 0
    f_idx, l_idx = mi[np.maximum(first, 0)], mi[np.maximum(last, 0)]
    k_first, k_last = k[f_idx], k[l_idx]
    in_span = (k >= k_first[sid]) & (k <= k_last[sid])
    extra = in_span & ~main
    n_extra = np.bincount(sid[extra], minlength=n_seg)
    seg_kind = kind[f_idx]
    span = k_last - k_first + 1
    qualifies = (
        has
        & (n_main >= MIN_OCC[seg_kind])
        & (n_main >= MIN_COVERAGE * span)
        & (n_extra <= MAX_EXTRA_SHARE * n_main)
    )
    # short series need steady amounts; pairs also a counterparty without much else going on
    m_abs = np.abs(m_amount)
    lo = np.zeros(n_seg)
    hi = np.zeros(n_seg)
    if len(mi):
        lo[has] = np.minimum.reduceat(m_abs, first[has])
        hi[has] = np.maximum.reduceat(m_abs, first[has])
    qualifies &= (n_main > SHORT_SERIES) | (hi <= (1 + SHORT_AMOUNT_SPREAD) * lo)
    seg_key = key_id[f_idx]
    members_n = n_main + n_extra
    long_members = np.bincount(
        seg_key, weights=members_n * (qualifies & (n_main > 2)), minlength=int(key_id.max()) + 1
    )
    unexplained = key_rows[f_idx] - long_members[seg_key] - members_n
    qualifies &= (n_main > 2) | (unexplained <= PAIR_MAX_UNEXPLAINED)
    new_sid = np.cumsum(qualifies) - 1
    q = np.flatnonzero(qualifies)
    # levels: runs of >= 2 occurrences; equal neighbouring runs joined
    m_keep = qualifies[m_sid]
    run_len = np.bincount(m_run)
    r_first, _ = _group_first_last(m_run, len(run_len))
    lv = np.flatnonzero((run_len >= 2) & (r_first >= 0))
    lv = lv[m_keep[r_first[lv]]]
    lv_pos = mi[r_first[lv]]
    lv_sid, lv_amount = sid[lv_pos], amount[lv_pos]
    stable = np.bincount(lv_sid, weights=run_len[lv], minlength=n_seg)
    dup = np.zeros(len(lv), dtype=bool)
    dup[1:] = (lv_sid[1:] == lv_sid[:-1]) & (
        np.abs(lv_amount[1:] - lv_amount[:-1]) <= LEVEL_TOLERANCE * np.abs(lv_amount[:-1])
    )
    varies = stable * 2 < n_main
    lv_keep = ~dup & ~varies[lv_sid]
    levels = pl.DataFrame(
        {
            "sid": new_sid[lv_sid[lv_keep]],
            "start": day[lv_pos[lv_keep]],
            "amount": lv_amount[lv_keep],
        }
    )
    median, recent = _medians(m_sid, m_amount, first, last, varies & qualifies)
    series = pl.DataFrame(
        {
            "sid": np.arange(len(q)),
            "kind": seg_kind[q],
            "cal": CAL[seg_kind[q]],
            "period": P[seg_kind[q]],
            "tol": TOL[seg_kind[q]],
            "anchor": anchor[f_idx[q]],
            "n_main": n_main[q],
            "n_extra": n_extra[q],
            "k_first": k_first[q],
            "k_last": k_last[q],
            "first_day": day[f_idx[q]],
            "last_day": day[l_idx[q]],
            "last_amount": amount[l_idx[q]],
            "last_ri": ri[l_idx[q]].astype(np.uint32),
            "varies": varies[q],
            "median_amount": median[q],
            "recent_amount": recent[q],
        }
    )
    member = in_span & qualifies[sid]
    members = pl.DataFrame(
        {"sid": new_sid[sid[member]], "ri": ri[member].astype(np.uint32), "extra": extra[member]}
    ).with_columns(pl.col("sid").set_sorted())
    return series, members, levels.with_columns(pl.col("sid").set_sorted())


def _medians(m_sid: I64, m_amount: I64, first: I64, last: I64, wanted: B) -> tuple[I64, I64]:
    """Lower median of all, and of the last three, occurrence amounts of the wanted series."""
    median = np.zeros(len(first), dtype=np.int64)
    recent = np.zeros(len(first), dtype=np.int64)
    take = wanted[m_sid]
    if take.any():
        frame = pl.DataFrame({"sid": m_sid[take], "amount": m_amount[take]}).with_columns(
            pl.col("sid").set_sorted()
        )
        agg = frame.group_by("sid", maintain_order=True).agg(
            pl.col("amount").quantile(0.5, interpolation="lower").cast(pl.Int64).alias("m"),
            pl.col("amount").tail(3).quantile(0.5, interpolation="lower").cast(pl.Int64).alias("r"),
        )
        sids = agg["sid"].to_numpy()
        median[sids] = agg["m"].to_numpy()
        recent[sids] = agg["r"].to_numpy()
    return median, recent


def _empty() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    series = pl.DataFrame(
        schema={
            "sid": pl.Int64,
            "kind": pl.Int64,
            "cal": pl.Boolean,
            "period": pl.Float64,
            "tol": pl.Float64,
            "anchor": pl.Float64,
            "n_main": pl.Int64,
            "n_extra": pl.Int64,
            "k_first": pl.Int64,
            "k_last": pl.Int64,
            "first_day": pl.Int64,
            "last_day": pl.Int64,
            "last_amount": pl.Int64,
            "last_ri": pl.UInt32,
            "varies": pl.Boolean,
            "median_amount": pl.Int64,
            "recent_amount": pl.Int64,
        }
    )
    members = pl.DataFrame(schema={"sid": pl.Int64, "ri": pl.UInt32, "extra": pl.Boolean})
    levels = pl.DataFrame(schema={"sid": pl.Int64, "start": pl.Int64, "amount": pl.Int64})
    return series, members, levels
