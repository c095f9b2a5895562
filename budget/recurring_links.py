"""Step 4 of :mod:`budget.recurring_core`: amount clusters of one key linked into series.

A series whose amount changes is cut into several amount clusters (step 2), and a cluster is not
always one stretch of time: €91,60, then €57,95 for a year, then €79,90 puts €91,60 and €79,90
(within 25 % of each other) in one cluster that spans the €57,95 months. And a new level paid
only twice has no rhythm of its own (a monthly series needs three payments), yet it is the newest
amount of the series before it. So clusters are linked in three moves, all on whole columns:

1. **Pieces.** A cluster is cut where two of its payments (in date order) lie more than 1½
   periods (plus the tolerance) apart: its own period, or for a cluster without a rhythm that of
   another cluster of its key. The parts are *pieces* that remember which piece of the same
   cluster came before them. A cluster without gaps is one piece. The pieces of a cluster
   without a rhythm get that rhythm where they fit it on their own (step 3's test). A piece of
   a cut cluster *with* a rhythm whose number of payments does not fit that rhythm on its own
   is doubtful: € 10,00 in January, February, October and November around seven months of
   € 20,00 looks quarterly as a whole (two pairs nine months apart), but a stretch of two
   payments a month apart is no quarterly rhythm.
2. **Borrowed rhythm.** A piece still without a rhythm, or doubtful, of one steady amount
   (within 0.5 %, as a level is), takes the rhythm of the piece of its key that ended last before
   it started, when it starts within 1½ periods after that one ended (else of the piece that
   starts first after it ended, within 1½ periods); repeated, so that a row of short levels
   borrows along the row. A doubtful piece with no such neighbour keeps its cluster's rhythm.
   Varying amounts (shopping) never borrow: that would make noise a series. Before that, a
   monthly or 4-weekly piece next to one of the other of these two rhythms takes its
   neighbour's when all its payments are on time in it (three monthly payments booked 28 and 29
   days apart around weekends look 4-weekly); of two such neighbours only one switches, to the
   rhythm of their payments together. After borrowing this is done once more for steady pieces,
   and after linking for steady chains (a row of levels borrowed monthly from one end and
   4-weekly from the other).
3. **Links.** Each piece links to the piece of its key *and rhythm* that started last before
   it, when that one ended within 1½ periods before it started (the rule from before there were
   pieces; a yearly payment of the same counterparty starting in between does not stand in the
   way); else to the previous piece of its own cluster (so a cluster with missed periods stays
   one chain, as before: step 5 splits it after three missed periods). When two pieces pick the
   same predecessor, the earlier one gets it. A chain is a path of links; its anchor adds the
   circle sums of its pieces. A chain of several pieces, one of which took its rhythm from
   elsewhere (borrowed or switched in step 2), is judged once more on all its payments as step 3
   judges a cluster, and takes the rhythm that fits them best.

Two series at the same time (UWV paying two amounts every month) never link: neither ends before
the other starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from budget.periods import (
    CALENDAR_BASED,
    MIN_OCCURRENCES,
    PERIOD_DAYS,
    PERIODICITIES,
    TOLERANCE_DAYS,
    Periodicity,
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

MERGE_GAP_PERIODS = 1.5
LEVEL_TOLERANCE = 0.005
R_MIN = 0.5
MONTHLY_PREFERENCE = 0.05
"""Monthly wins over 4-weekly unless 4-weekly keeps its phase 0.05 better (step 3)."""
"""Amounts within 0.5 % are one level (see :mod:`budget.recurring_core`, step 6)."""
BORROW_ROUNDS = 8
"""A row of short levels borrows its rhythm one piece per round; eight rounds is eight levels of
two payments in a row, more than any statement history holds."""

P = np.array([PERIOD_DAYS[p] for p in PERIODICITIES])
TOL = np.array([TOLERANCE_DAYS[p] for p in PERIODICITIES])
CAL = np.array([CALENDAR_BASED[p] for p in PERIODICITIES])
MIN_OCC = np.array([MIN_OCCURRENCES[p] for p in PERIODICITIES])
MONTHLY = PERIODICITIES.index(Periodicity.MONTHLY)
FOUR_WEEKLY = PERIODICITIES.index(Periodicity.FOUR_WEEKLY)
GAP = MERGE_GAP_PERIODS * P + TOL
"""Largest gap (days) between the end of one piece and the start of the next of one series."""


@dataclass(frozen=True)
class Clusters:
    """Step 2 and 3's results: per row (in key, amount order) its cluster and day; per cluster
    its first row, key (dense number), first and last day, rhythm (−1: none) and circle sums."""

    cluster: I64
    day: npt.NDArray[np.integer]
    starts: I64
    key: I64
    dmin: I64
    dmax: I64
    kind: I64
    amount: I64
    cos: F64
    sin: F64


@dataclass(frozen=True)
class Chains:
    """Per row its chain (−1: none); per chain its rhythm and anchor."""

    of_row: I64
    kind: I64
    anchor: F64
    in_order: I64
    """The rows of all chains by chain and day: the rows of a piece come in date order from
    step 4.1's sort, and a chain's pieces follow each other in time without overlap (a link
    needs the next piece to start after the previous one ended), so ordering the pieces is
    enough, no second sort of the rows."""


def stable_argsort(key: npt.NDArray[np.uint64]) -> I64:
    """Stable sort order: equal keys (two equal payments on one day) keep the table's order, so
    the result never depends on how the rows were chunked. numpy's stable sort, on one core:
    measured on a benchmark chunk it takes a third to a half of the CPU time of polars'
    multi-threaded sort (the keys of the later sorts come in long sorted runs, which it
    exploits), and CPU is what the two shared cores are short of. Any stable sort gives the
    same order."""
    return np.argsort(key, kind="stable").astype(np.int64, copy=False)


def link(cl: Clusters, day0: int, month_table: F64) -> Chains:
    """Steps 4.1-4.3 (see the module docstring)."""
    n_clusters = len(cl.starts)
    span = int(cl.day.max()) - day0 + 1
    piece_of_row, parent, sibling, lo, hi, steady, cut_kind, stretches, changed = _pieces(
        cl, day0, span, month_table
    )
    n_pieces = len(parent)
    key = cl.key[parent]
    cos = np.concatenate([cl.cos, np.zeros(n_pieces - n_clusters)])
    sin = np.concatenate([cl.sin, np.zeros(n_pieces - n_clusters)])
    kind = cl.kind[parent]
    cut = sibling >= 0
    cut[sibling[cut]] = True  # every stretch of a cluster that was cut
    own = (kind < 0) & cut
    doubtful = np.zeros(n_pieces, dtype=bool)
    n_pay = np.bincount(piece_of_row, minlength=n_pieces)
    if cut.any():
        n = n_pay.astype(np.float64)
        if own.any():  # the stretches of a cluster without a rhythm may each have one
            _circle_sums(cl, piece_of_row, cut_kind, own, day0, month_table, cos, sin)
            k = np.maximum(cut_kind, 0)
            fits = _fits(n, lo, hi, k) & (np.round((hi - lo) / P[k]) + 1 >= MIN_OCC[k])
            fits &= np.hypot(cos, sin) >= R_MIN * n
            kind = np.where(own & fits, cut_kind, kind)
        # a stretch of a cluster without a rhythm, cut where its rhythm changed, that did not
        # fit the rhythm it was cut by may fit the other of monthly and 4-weekly (other
        # stretches without a rhythm keep none: a few cash withdrawals are no series)
        base = np.where(own & (kind < 0) & changed, cut_kind, kind)
        switched = _own_monthly_or_four_weekly(
            cl, piece_of_row, base, cut & steady, changed, n_pay, day0, month_table
        )
        kind = np.where(switched != base, switched, kind)
        # a stretch of a cluster with a rhythm that does not fit it on its own
        doubtful = cut & ~own & ~_fits(n, lo, hi, np.maximum(kind, 0))
    kind = _monthly_or_four_weekly(
        cl, piece_of_row, key, kind, steady, lo, hi, day0, span, month_table
    )
    own_kind = kind
    kind = _borrow(key, kind, steady, doubtful, n_pay, lo, hi, day0, span)
    # once more with the borrowed rhythms (which stay): three 4-weekly payments that look
    # monthly may have as nearest neighbour two payments that only now have the 4-weekly
    # rhythm; only steady pieces of at least the minimum payments switch here (one payment is
    # on time in any rhythm; varying amounts, shopping, would join noise)
    fixed = (kind != own_kind) | ~steady | (n_pay < MIN_OCC[np.maximum(kind, 0)])
    kind = _monthly_or_four_weekly(
        cl, piece_of_row, key, kind, steady, lo, hi, day0, span, month_table, fixed
    )
    redo = (parent != np.arange(n_pieces)) | (cl.kind[parent] != kind) | own
    redo |= np.isin(np.arange(n_pieces), parent[parent != np.arange(n_pieces)])
    if redo.any():  # pieces of cut clusters and borrowed rhythms: their own circle sums
        _circle_sums(cl, piece_of_row, kind, redo, day0, month_table, cos, sin)
    valid = np.flatnonzero(kind >= 0)
    order = valid[stable_argsort((key[valid] * span + (lo[valid] - day0)).astype(np.uint64))]
    pred = _predecessors(key, kind, lo, hi, sibling, order)
    chain_of_piece = _chain_ids(pred, order, n_pieces)
    # the same between chains: a row of levels borrowed monthly from one end and 4-weekly from
    # the other is two chains of which one fits the other's rhythm
    switched = _switch_chains(
        cl, piece_of_row, key, kind, steady, lo, hi, chain_of_piece, day0, span, month_table
    )
    if (switched != kind).any():
        redo = switched != kind
        kind = switched
        _circle_sums(cl, piece_of_row, kind, redo, day0, month_table, cos, sin)
        pred = _predecessors(key, kind, lo, hi, sibling, order)
        chain_of_piece = _chain_ids(pred, order, n_pieces)
    in_chain_order = order[stable_argsort(chain_of_piece[order].astype(np.uint64))]
    chains = chain_of_piece[in_chain_order]
    n_chains = int(chains.max()) + 1 if len(chains) else 0
    cs = np.asarray(np.bincount(chains, cos[in_chain_order], n_chains), dtype=np.float64)
    ss = np.asarray(np.bincount(chains, sin[in_chain_order], n_chains), dtype=np.float64)
    chain_kind = np.zeros(n_chains, dtype=np.int64)
    chain_kind[chains] = kind[in_chain_order]
    order_rows, first, end, pid = stretches
    chain_of = chain_of_piece[pid]
    linked = np.flatnonzero(chain_of >= 0)
    linked = linked[np.lexsort((lo[pid[linked]], chain_of[linked]))]
    in_order = order_rows[_ranges(first[linked], end[linked])]
    # chains of several pieces of which one took its rhythm from elsewhere: judged as a whole
    lent = np.bincount(chains, kind[in_chain_order] != cl.kind[parent[in_chain_order]], n_chains)
    judged = (np.bincount(chains, minlength=n_chains) > 1) & (lent > 0)
    if judged.any():
        _chain_rhythm(
            cl,
            chain_of_piece[piece_of_row],
            in_order,
            judged,
            day0,
            month_table,
            chain_kind,
            cs,
            ss,
        )
    anchor = np.arctan2(ss, cs) / (2 * math.pi) * P[chain_kind]
    return Chains(chain_of_piece[piece_of_row], chain_kind, anchor, in_order)


def _monthly_or_four_weekly(
    cl: Clusters,
    piece_of_row: I64,
    key: I64,
    kind: I64,
    steady: B,
    lo: I64,
    hi: I64,
    day0: int,
    span: int,
    month_table: F64,
    fixed: B | None = None,
) -> I64:
    """Step 4.2, first: three monthly payments booked 28 and 29 days apart around a weekend
    look 4-weekly, and three 4-weekly ones may look monthly. A monthly or 4-weekly piece whose
    nearest such neighbour of its key (the one that ended last before it, else the one that
    starts first after it, within 1½ periods) has the other of the two rhythms takes that
    rhythm when every one of its payments is on time in it. Two such neighbours that would trade
    rhythms do not: only the one whose rhythm fits their payments together worse switches (of
    varying amounts or fewer payments than the rhythm's minimum, neither). A piece that looked
    to a neighbour which kept or took its own rhythm keeps its own too. ``fixed`` pieces are
    neighbours but never switch."""
    n_keys = int(key.max()) + 1 if len(key) else 0
    both = (np.bincount(key[kind == MONTHLY], minlength=n_keys) > 0) & (
        np.bincount(key[kind == FOUR_WEEKLY], minlength=n_keys) > 0
    )
    mw = np.flatnonzero(((kind == MONTHLY) | (kind == FOUR_WEEKLY)) & both[key])
    if not len(mw):  # the usual case: no key has pieces of both rhythms
        return kind
    among = np.arange(len(mw))
    before = _nearest_before(key[mw], lo[mw], hi[mw], among, day0, span)
    after = _nearest_after(key[mw], lo[mw], hi[mw], among, day0, span)
    b = mw[np.maximum(before, 0)]
    a = mw[np.maximum(after, 0)]
    near_before = (before >= 0) & (lo[mw] - hi[b] <= GAP[kind[b]])
    near_after = ~near_before & (after >= 0) & (lo[a] - hi[mw] <= GAP[kind[a]])
    other = np.where(near_before, kind[b], np.where(near_after, kind[a], kind[mw]))
    switch = mw[other != kind[mw]]
    if fixed is not None:
        switch = switch[~fixed[switch]]
    if not len(switch):
        return kind
    new_kind = np.full(len(kind), -1, dtype=np.int64)
    new_kind[switch] = MONTHLY + FOUR_WEEKLY - kind[switch]
    off = _any_late(cl, piece_of_row, new_kind, day0, month_table)
    keep = switch[~off[switch]]
    # two neighbours that would trade rhythms (three € 10,00 and three € 20,00 every 28 days:
    # the second three look monthly, the first fit monthly too): only one of them switches, to
    # the rhythm that fits their payments together best (as step 4.3 judges a chain)
    ref = np.full(len(kind), -1, dtype=np.int64)
    ref[mw] = np.where(near_before, b, np.where(near_after, a, -1))
    switching = np.zeros(len(kind), dtype=bool)
    switching[keep] = True
    q = ref[keep]
    mutual = switching[q] & (ref[q] == keep)
    if mutual.any():
        pair = np.full(len(kind), -1, dtype=np.int64)
        pair[keep[mutual]] = np.minimum(keep[mutual], q[mutual])
        winner = _pair_rhythm(cl, piece_of_row, pair, day0, month_table)
        loses = winner[pair[keep]] != kind[keep]
        # varying amounts (shopping) or too few payments to judge: neither switches
        n_pay = np.bincount(piece_of_row, minlength=len(kind))
        sure = steady & (n_pay >= MIN_OCC[np.maximum(kind, 0)])
        keep = keep[~mutual | (loses & sure[keep] & sure[q])]
    out = kind.copy()
    out[keep] = new_kind[keep]
    # a piece whose neighbour now has its own old rhythm has nothing to switch to
    stale = out[ref[keep]] == kind[keep]
    out[keep[stale]] = kind[keep[stale]]
    return out


def _any_late(cl: Clusters, piece_of_row: I64, kind: I64, day0: int, month_table: F64) -> B:
    """Per piece whether any of its payments lies more than the tolerance from its expected date
    in the rhythm ``kind`` (anchored on the payments themselves); ``False`` where ``kind`` < 0."""
    rows = np.flatnonzero(kind[piece_of_row] >= 0)
    piece = piece_of_row[rows]
    k = kind[piece]
    coord = np.where(CAL[k], month_table[cl.day[rows] - day0], cl.day[rows].astype(np.float64))
    angle = coord * (2 * math.pi / P[k])
    c = np.bincount(piece, np.cos(angle), len(kind))
    s = np.bincount(piece, np.sin(angle), len(kind))
    late = _off_days(coord, np.arctan2(s, c)[piece], k) > TOL[k]
    out: B = np.bincount(piece, late, len(kind)) > 0
    return out


def _own_monthly_or_four_weekly(
    cl: Clusters,
    piece_of_row: I64,
    kind: I64,
    candidates: B,
    changed: B,
    n_pay: I64,
    day0: int,
    month_table: F64,
) -> I64:
    """Step 4.1, last: a payer that went from every four weeks to every month (or back) after a
    pause is one amount cluster, cut in two stretches, and the cluster's rhythm is that of the
    longer one. A ``candidates`` stretch (steady, of a cut cluster) with the monthly or 4-weekly
    rhythm takes the other when all its payments are on time in that one and not all in its
    own, and it has at least the other rhythm's minimum payments if its cluster was cut where
    the rhythm ``changed``, twice that if only by a pause (three cash withdrawals on about the
    same day of three months are no reason)."""
    other = MONTHLY + FOUR_WEEKLY - kind
    mw = candidates & ((kind == MONTHLY) | (kind == FOUR_WEEKLY))
    least = MIN_OCC[np.where(mw, other, 0)]
    mw &= n_pay >= np.where(changed, least, 2 * least)
    if not mw.any():
        return kind
    own = np.where(mw, kind, -1)
    new = np.where(mw, other, -1)
    switch = mw & _any_late(cl, piece_of_row, own, day0, month_table)
    switch &= ~_any_late(cl, piece_of_row, np.where(switch, new, -1), day0, month_table)
    return np.where(switch, other, kind)


def _switch_chains(
    cl: Clusters,
    piece_of_row: I64,
    key: I64,
    kind: I64,
    steady: B,
    lo: I64,
    hi: I64,
    chain_of_piece: I64,
    day0: int,
    span: int,
    month_table: F64,
) -> I64:
    """:func:`_monthly_or_four_weekly` on whole chains (a chain is steady when all its pieces
    are); the pieces of a chain that switches take the new rhythm. Chains of varying amounts or
    fewer payments than the minimum do not switch (noise would join)."""
    has = chain_of_piece >= 0
    if not has.any():
        return kind
    n_c = int(chain_of_piece.max()) + 1
    c = np.where(has, chain_of_piece, n_c)  # pieces without a chain: one chain without rhythm
    c_kind = np.full(n_c + 1, -1, dtype=np.int64)
    c_kind[c[has]] = kind[has]
    c_key = np.zeros(n_c + 1, dtype=np.int64)
    c_key[c[has]] = key[has]
    c_lo = np.full(n_c + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(c_lo, c, lo)
    c_hi = np.full(n_c + 1, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(c_hi, c, hi)
    c_lo[n_c] = c_hi[n_c] = day0
    c_steady = np.bincount(c, ~steady, n_c + 1) == 0
    c_steady[n_c] = False
    # as in the second round of pieces: only steady chains of the minimum payments switch
    n_pay = np.bincount(c[piece_of_row], minlength=n_c + 1)
    fixed = ~c_steady | (n_pay < MIN_OCC[np.maximum(c_kind, 0)])
    new = _monthly_or_four_weekly(
        cl, c[piece_of_row], c_key, c_kind, c_steady, c_lo, c_hi, day0, span, month_table, fixed
    )
    out = kind.copy()
    out[has] = new[c[has]]
    return out


def _pair_rhythm(cl: Clusters, piece_of_row: I64, pair: I64, day0: int, month_table: F64) -> I64:
    """Per pair (numbered by its lower piece; ``pair`` per piece, −1: none) whether monthly or
    4-weekly fits the payments of both pieces together best: the higher ``R``, monthly 0.05
    ahead (step 3's choice between the two)."""
    rows = np.flatnonzero(pair[piece_of_row] >= 0)
    group = pair[piece_of_row[rows]]
    n = np.bincount(group, minlength=len(pair)).astype(np.float64)
    score = []
    for k in (MONTHLY, FOUR_WEEKLY):
        day = cl.day[rows]
        coord = month_table[day - day0] if CAL[k] else day.astype(np.float64)
        angle = coord * (2 * math.pi / P[k])
        c = np.bincount(group, np.cos(angle), len(pair))
        s = np.bincount(group, np.sin(angle), len(pair))
        score.append(
            np.hypot(c, s) / np.maximum(n, 1) + (MONTHLY_PREFERENCE if k == MONTHLY else 0)
        )
    out: I64 = np.where(score[0] >= score[1], MONTHLY, FOUR_WEEKLY).astype(np.int64)
    return out


def _chain_rhythm(
    cl: Clusters,
    chain_of_row: I64,
    in_order: I64,
    judged: B,
    day0: int,
    month_table: F64,
    kind: I64,
    cs: F64,
    ss: F64,
) -> None:
    """The rhythm of the ``judged`` chains on all their payments (``in_order``: rows by chain
    and day), as step 3 judges a cluster; ``kind`` and the circle sums change in place where
    another rhythm fits better. A rhythm borrowed from three payments (28 and 29 days apart
    around a weekend: 4-weekly) may be one that the chain's nine monthly payments contradict."""
    rows = in_order[judged[chain_of_row[in_order]]]
    chain = chain_of_row[rows]
    day = cl.day[rows].astype(np.int64)
    starts = np.flatnonzero(np.diff(chain, prepend=-1) != 0)
    which = chain[starts]
    counts = np.diff(np.append(starts, len(rows)))
    n = counts.astype(np.float64)
    span = (day[np.append(starts[1:], len(rows)) - 1] - day[starts]).astype(np.float64)
    best = np.full(len(starts), -1.0)
    for i in range(len(PERIODICITIES)):
        n_est = np.round(span / P[i]) + 1
        fits = (n_est >= MIN_OCC[i]) & (n >= 0.5 * n_est) & (n <= 1.6 * n_est)
        if not fits.any():
            continue
        sub = np.repeat(fits, counts)
        d = day[sub]
        coord = month_table[d - day0] if CAL[i] else d.astype(np.float64)
        angle = coord * (2 * math.pi / P[i])
        sub_starts = np.cumsum(counts[fits]) - counts[fits]
        c = np.add.reduceat(np.cos(angle), sub_starts)
        s = np.add.reduceat(np.sin(angle), sub_starts)
        r = np.hypot(c, s) / n[fits]
        score = r + (MONTHLY_PREFERENCE if i == MONTHLY else 0.0)
        better = (r >= R_MIN) & (score > best[fits])
        at = which[fits][better]
        best[np.flatnonzero(fits)[better]] = score[better]
        kind[at] = i
        cs[at] = c[better]
        ss[at] = s[better]


Stretches = tuple[I64, I64, I64, I64]
"""Rows with a rhythm in cluster and date order, and per stretch of them (a piece) its first
and end position in that order and its piece."""


def _pieces(
    cl: Clusters, day0: int, span: int, month_table: F64
) -> tuple[I64, I64, I64, I64, I64, B, I64, Stretches, B]:
    """Step 4.1: per row its piece; per piece its cluster, previous piece of that cluster (−1),
    first and last day, whether its amounts are steady, the rhythm it was cut by and whether
    its cluster was cut where its rhythm changed (:func:`_rhythm_changes`). Pieces 0..n-1 are
    the clusters (their first stretch), later ones the stretches after a gap or a change."""
    n_clusters = len(cl.starts)
    key_kind = np.full(int(cl.key.max()) + 1 if len(cl.key) else 0, -1, dtype=np.int64)
    has = cl.kind >= 0
    key_kind[cl.key[has]] = cl.kind[has]
    cut_kind = np.where(has, cl.kind, key_kind[cl.key])
    order = stable_argsort((cl.cluster * span + (cl.day - day0)).astype(np.uint64))
    changed, change_at, change_kind = _rhythm_changes(cl, order, day0, month_table)
    cut_kind[changed] = np.where(cut_kind[changed] >= 0, cut_kind[changed], change_kind)
    in_cut = cut_kind[cl.cluster] >= 0
    if not in_cut.all():  # only clusters with a rhythm (or one of their key) are cut
        order = order[in_cut[order]]
    c = cl.cluster[order]
    d = cl.day[order]
    new_cluster = np.ones(len(c), dtype=bool)
    new_cluster[1:] = c[1:] != c[:-1]
    cut = np.zeros(len(c), dtype=bool)
    cut[1:] = ~new_cluster[1:] & (d[1:] - d[:-1] > GAP[np.maximum(cut_kind, 0)][c[1:]])
    if len(changed):  # the k-th payment of a cluster in date order is row start + k of ``order``
        start = np.zeros(n_clusters, dtype=np.int64)
        heads = np.flatnonzero(new_cluster)
        start[c[heads]] = heads
        cut[start[changed] + change_at] = True
    piece_of_row = cl.cluster.copy()
    n_cuts = int(cut.sum())
    parent = np.concatenate([np.arange(n_clusters), np.zeros(n_cuts, dtype=np.int64)])
    sibling = np.full(n_clusters + n_cuts, -1, dtype=np.int64)
    lo = np.concatenate([cl.dmin, np.zeros(n_cuts, dtype=np.int64)])
    hi = np.concatenate([cl.dmax, np.zeros(n_cuts, dtype=np.int64)])
    # a cluster's rows are in amount order: its first and last row are its extremes
    low = np.concatenate([cl.amount[cl.starts], np.zeros(n_cuts, dtype=np.int64)])
    ends = np.append(cl.starts[1:], len(cl.cluster)) - 1
    high = np.concatenate([cl.amount[ends], np.zeros(n_cuts, dtype=np.int64)])
    if n_cuts:  # only the stretches of clusters with a cut change; the j-th cut starts n + j
        first = np.flatnonzero(new_cluster | cut)
        end = np.append(first[1:], len(c))
        at_cut = cut[first]
        pid = np.where(at_cut, n_clusters + np.cumsum(at_cut) - 1, c[first])
        lo[pid] = d[first]
        hi[pid] = d[end - 1]
        moved = np.flatnonzero(at_cut)
        piece_of_row[order[_ranges(first[moved], end[moved])]] = np.repeat(
            pid[moved], end[moved] - first[moved]
        )
        was_cut = np.zeros(n_clusters, dtype=bool)
        was_cut[c[first[moved]]] = True
        stretch = np.flatnonzero(was_cut[c[first]])
        a = cl.amount[order[_ranges(first[stretch], end[stretch])]]
        lengths: I64 = (end[stretch] - first[stretch]).astype(np.int64)
        starts = np.cumsum(lengths) - lengths
        low[pid[stretch]] = np.minimum.reduceat(a, starts)
        high[pid[stretch]] = np.maximum.reduceat(a, starts)
        parent[pid[moved]] = c[first[moved]]
        sibling[pid[moved]] = pid[moved - 1]
    steady = high <= (1 + LEVEL_TOLERANCE) * low
    if not n_cuts:
        first = np.flatnonzero(new_cluster)
        end = np.append(first[1:], len(c))
        pid = c[first]
    stretches = (order, first, end, pid)
    rhythm_changed = np.zeros(n_clusters, dtype=bool)
    rhythm_changed[changed] = True
    return (
        piece_of_row,
        parent,
        sibling,
        lo,
        hi,
        steady,
        cut_kind[parent],
        stretches,
        rhythm_changed[parent],
    )


def _rhythm_changes(cl: Clusters, order: I64, day0: int, month_table: F64) -> tuple[I64, I64, I64]:
    """Step 4.1, first: clusters whose payer went from every month to every four weeks, or back,
    without a pause long enough to cut them (:data:`GAP`). Such a cluster fits neither rhythm
    as a whole: judged as one it loses the payments of its second rhythm, or has no rhythm at
    all. Candidates are clusters of at least twice the minimum payments, with the monthly or
    4-weekly rhythm and a payment late in it, or without a rhythm and about a month between
    payments (on average, the longest gap left out), of at most one level change in date
    order. A cluster is cut where a first stretch is steady and all on time in one of the
    two rhythms and the rest steady and all on time in the other (each at least the minimum
    payments; :func:`_change_point`). ``order``: the rows by cluster and day. Returns the
    clusters, the position of the first payment of their second stretch among their payments
    in date order, and the first stretch's rhythm."""
    none = np.zeros(0, dtype=np.int64)
    n_clusters = len(cl.starts)
    if not n_clusters:
        return none, none, none
    n = np.diff(np.append(cl.starts, len(cl.cluster)))
    mw = (cl.kind == MONTHLY) | (cl.kind == FOUR_WEEKLY)
    least = 2 * MIN_OCC[MONTHLY]
    # the typical gap below is at least this share of the mean gap: shopping is left out here
    mean_gap = (cl.dmax - cl.dmin) / np.maximum(n - 1, 1)
    near = mean_gap >= (P[FOUR_WEEKLY] - TOL[FOUR_WEEKLY]) * (least - 2) / (least - 1)
    candidates = (n >= least) & (mw | ((cl.kind < 0) & near))
    if not candidates.any():
        return none, none, none
    rows = order[candidates[cl.cluster[order]]]
    c = cl.cluster[rows]
    d = cl.day[rows].astype(np.int64)
    a = cl.amount[rows]
    same = c[1:] == c[:-1]
    # without a rhythm: about a month between payments, the longest gap (a pause) left out
    gaps = np.where(same, np.diff(d), 0)  # 0 across clusters: rows start + 1 .. end - 1
    heads = np.flatnonzero(np.r_[True, ~same])
    longest = np.zeros(n_clusters, dtype=np.int64)
    longest[c[heads]] = np.maximum.reduceat(np.append(gaps, 0), heads)
    typical = (cl.dmax - cl.dmin - longest) / np.maximum(n - 2, 1)
    candidates &= mw | (
        (typical >= P[FOUR_WEEKLY] - TOL[FOUR_WEEKLY]) & (typical <= P[MONTHLY] + TOL[MONTHLY])
    )
    step = same & (np.abs(a[1:] - a[:-1]) > LEVEL_TOLERANCE * np.minimum(a[1:], a[:-1]))
    candidates &= np.bincount(c[1:][step], minlength=n_clusters) <= 1
    # a payment late in the cluster's rhythm, anchored on the cluster's circle sums (step 3)
    check = np.flatnonzero((candidates & mw)[c])
    k = cl.kind[c[check]]
    coord = np.where(CAL[k], month_table[d[check] - day0], d[check].astype(np.float64))
    late = _off_days(coord, np.arctan2(cl.sin, cl.cos)[c[check]], k) > TOL[k]
    candidates &= ~mw | (np.bincount(c[check], late, n_clusters) > 0)
    found: list[tuple[int, int, int]] = []
    for cluster in np.flatnonzero(candidates):  # a few in 10 000 clusters
        at = heads[np.searchsorted(c[heads], cluster)]
        days = d[at : at + n[cluster]]
        amounts = a[at : at + n[cluster]]
        split = _change_point(days, amounts, day0, month_table)
        if split is not None:
            found.append((int(cluster), *split))
    if not found:
        return none, none, none
    out = np.array(found, dtype=np.int64)
    return out[:, 0], out[:, 1], out[:, 2]


def _change_point(days: I64, amounts: I64, day0: int, month_table: F64) -> tuple[int, int] | None:
    """Where ``days`` (in order) go from all on time in one of monthly and 4-weekly to all on
    time in the other, each side steady and at least the minimum payments, with the first
    side's rhythm; ``None`` if nowhere. Payments near the change may fit both rhythms: of the
    places that qualify, the one where the payments lie closest to their expected dates (in
    total) wins, the first of equals."""
    low = MIN_OCC[MONTHLY]
    best: tuple[float, int, int] | None = None
    for k in range(low, len(days) - low + 1):
        if not (_steady(amounts[:k]) and _steady(amounts[k:])):
            continue
        for first, second in ((MONTHLY, FOUR_WEEKLY), (FOUR_WEEKLY, MONTHLY)):
            before = _offsets(days[:k], first, day0, month_table)
            after = _offsets(days[k:], second, day0, month_table)
            if (before <= TOL[first]).all() and (after <= TOL[second]).all():
                total = float(before.sum() + after.sum())
                if best is None or total < best[0]:
                    best = (total, k, first)
    return None if best is None else (best[1], best[2])


def _steady(amounts: I64) -> bool:
    return bool(amounts.max() <= (1 + LEVEL_TOLERANCE) * amounts.min())


def _offsets(days: I64, kind: int, day0: int, month_table: F64) -> F64:
    """Days between each of ``days`` and its expected date in the rhythm ``kind``, anchored on
    the days themselves (as :func:`_any_late`)."""
    coord = month_table[days - day0] if CAL[kind] else days.astype(np.float64)
    angle = coord * (2 * math.pi / P[kind])
    anchor = math.atan2(float(np.sin(angle).sum()), float(np.cos(angle).sum()))
    return _off_days(coord, np.full(len(coord), anchor), np.full(len(coord), kind))


def _off_days(coord: F64, anchor: F64, kind: I64) -> F64:
    """Days between each date (``coord``: month coordinate or day) and the nearest expected
    date of rhythm ``kind`` whose phase is the angle ``anchor`` (of circle sums)."""
    x = (coord - anchor / (2 * math.pi) * P[kind]) / P[kind]
    out: F64 = np.abs((x - np.round(x)) * P[kind])
    return out


def _fits(n: F64, lo: I64, hi: I64, kind: I64) -> B:
    """Whether ``n`` payments from day ``lo`` to ``hi`` fit the rhythm ``kind`` in number: ½ to
    1.6 payments per expected date (step 3's test, without its minimum count)."""
    n_est = np.round((hi - lo) / P[kind]) + 1
    out: B = (n >= 0.5 * n_est) & (n <= 1.6 * n_est)
    return out


def _ranges(starts: I64, ends: I64) -> I64:
    """The positions ``starts[i] .. ends[i] - 1`` of every range, one after the other."""
    lengths = ends - starts
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    out: I64 = shift + np.arange(int(lengths.sum()))
    return out


def _nearest_before(group: I64, lo: I64, hi: I64, among: I64, day0: int, span: int) -> I64:
    """Per piece the one in ``among`` of the same group with the latest end before its start
    (−1: none)."""
    if not len(among):
        return np.full(len(lo), -1, dtype=np.int64)
    ends = group[among] * span + (hi[among] - day0)
    order = np.argsort(ends, kind="stable")
    pos = np.searchsorted(ends[order], group * span + (lo - day0), side="left") - 1
    found = among[order[np.maximum(pos, 0)]]
    return np.where((pos >= 0) & (group[found] == group), found, -1)


def _nearest_after(group: I64, lo: I64, hi: I64, among: I64, day0: int, span: int) -> I64:
    """Per piece the one in ``among`` of the same group with the earliest start after its end
    (−1: none)."""
    if not len(among):
        return np.full(len(lo), -1, dtype=np.int64)
    begins = group[among] * span + (lo[among] - day0)
    order = np.argsort(begins, kind="stable")
    pos = np.searchsorted(begins[order], group * span + (hi - day0), side="right")
    found = among[order[np.minimum(pos, len(among) - 1)]]
    return np.where((pos < len(among)) & (group[found] == group), found, -1)


def _borrow(
    key: I64,
    kind: I64,
    steady: B,
    doubtful: B,
    n_pay: I64,
    lo: I64,
    hi: I64,
    day0: int,
    span: int,
) -> I64:
    """Step 4.2: steady pieces without a rhythm, or ``doubtful`` about their cluster's, borrow
    one from a neighbour in time; a doubtful piece lends none while it waits and keeps its own
    when no neighbour is near. Between a near monthly and a near 4-weekly neighbour it takes the
    rhythm of the one with more payments (equal: the one before): two payments 28 days apart
    between three that look monthly and six 4-weekly ones are 4-weekly. Only the keys with both
    kinds of piece take part (few), so the rounds stay cheap."""
    open_ = ((kind < 0) | doubtful) & steady
    n_keys = int(key.max()) + 1 if len(key) else 0
    both = (np.bincount(key[open_], minlength=n_keys) > 0) & (
        np.bincount(key[kind >= 0], minlength=n_keys) > 0
    )
    sub = np.flatnonzero(both[key])
    if not len(sub):
        return kind
    s_key, s_lo, s_hi, s_n, lacking = key[sub], lo[sub], hi[sub], n_pay[sub], open_[sub]
    k = np.where(lacking, -1, kind[sub])
    for _ in range(BORROW_ROUNDS):
        having = np.flatnonzero(k >= 0)
        before = _nearest_before(s_key, s_lo, s_hi, having, day0, span)
        after = _nearest_after(s_key, s_lo, s_hi, having, day0, span)
        kb, ka = k[np.maximum(before, 0)], k[np.maximum(after, 0)]
        near_before = (before >= 0) & (s_lo - s_hi[np.maximum(before, 0)] <= GAP[kb])
        near_after = (after >= 0) & (s_lo[np.maximum(after, 0)] - s_hi <= GAP[ka])
        more_after = s_n[np.maximum(after, 0)] > s_n[np.maximum(before, 0)]
        mw = (ka == MONTHLY) & (kb == FOUR_WEEKLY) | (ka == FOUR_WEEKLY) & (kb == MONTHLY)
        near_before &= ~(near_after & mw & more_after)
        from_before = lacking & near_before
        from_after = lacking & ~from_before & near_after
        if not (from_before.any() or from_after.any()):
            break
        k = np.where(from_before, kb, np.where(from_after, ka, k))
        lacking &= ~(from_before | from_after)
    out = kind.copy()
    out[sub] = np.where(lacking, kind[sub], k)  # still waiting: its own rhythm (or none)
    return out


def _circle_sums(
    cl: Clusters,
    piece_of_row: I64,
    kind: I64,
    redo: B,
    day0: int,
    month_table: F64,
    cos: F64,
    sin: F64,
) -> None:
    """Circle sums of the ``redo`` pieces on their (possibly borrowed) rhythm, in place; the
    angles are computed exactly as step 3 computes them."""
    rows = np.flatnonzero((redo & (kind >= 0))[piece_of_row])
    piece = piece_of_row[rows]
    k = kind[piece]
    offset = cl.day[rows] - day0
    coord = np.where(CAL[k], month_table[offset], cl.day[rows].astype(np.float64))
    angle = coord * (2 * math.pi / P[k])
    n = len(cos)
    cos[redo] = np.bincount(piece, weights=np.cos(angle), minlength=n)[redo]
    sin[redo] = np.bincount(piece, weights=np.sin(angle), minlength=n)[redo]


def _predecessors(key: I64, kind: I64, lo: I64, hi: I64, sibling: I64, order: I64) -> I64:
    """Step 4.3: per piece the piece it continues (−1: it starts a chain). ``order`` is the
    pieces with a rhythm by key and start: a piece continues the piece of its key and rhythm
    that started last before it when that one ended at most 1½ periods before it started, else
    its own cluster's previous piece. Pieces of another rhythm in between (a yearly payment of
    the same counterparty) do not stand in the way."""
    pred = np.full(len(kind), -1, dtype=np.int64)
    if len(order) > 1:
        by_kind = order[stable_argsort((key[order] * len(P) + kind[order]).astype(np.uint64))]
        p, q = by_kind[:-1], by_kind[1:]
        gap = lo[q] - hi[p]
        near = (key[p] == key[q]) & (kind[p] == kind[q]) & (gap > 0) & (gap <= GAP[kind[q]])
        pred[q[near]] = p[near]
    sib = np.maximum(sibling, 0)
    fallback = (pred < 0) & (sibling >= 0) & (kind >= 0) & (kind[sib] == kind)
    pred[fallback] = sibling[fallback]
    # one successor per piece: the earliest-starting claimant keeps the link
    linked = np.flatnonzero(pred >= 0)
    if len(linked):
        by = linked[np.lexsort((lo[linked], pred[linked]))]
        dup = np.zeros(len(by), dtype=bool)
        dup[1:] = pred[by[1:]] == pred[by[:-1]]
        pred[by[dup]] = -1
    return pred


def _chain_ids(pred: I64, order: I64, n_pieces: int) -> I64:
    """Chains numbered by their first piece in ``order`` (key, start), as before pieces."""
    root = np.arange(n_pieces)
    has = pred >= 0
    root[has] = pred[has]
    while True:  # pointer jumping: log2(longest chain) rounds
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    is_root = np.zeros(n_pieces, dtype=bool)
    is_root[order] = True
    is_root &= root == np.arange(n_pieces)
    rank = np.full(n_pieces, -1, dtype=np.int64)
    heads = order[is_root[order]]
    rank[heads] = np.arange(len(heads))
    out = np.full(n_pieces, -1, dtype=np.int64)
    out[order] = rank[root[order]]
    return out
