"""Signals about a household's totals rather than one series: the balance, structural income
and the forecast (see :mod:`budget.signal_rules` for how each decides)."""

from __future__ import annotations

import numpy as np
import polars as pl

from budget import signal_text as txt
from budget.schedule import I64, day_number, period_days, tolerance
from budget.signal_inputs import series_day_keys
from budget.signal_rules import _DEN, _NUM, RAW_SCHEMA, _lit, _raw
from budget.signals import Severity, SignalKind

INCOME_AVERAGED_PERIODS = 3
"""A varying income (4-weekly pay for flexible hours) counts at the mean of its last three
periods, so one short period is not an income drop; a fixed income counts at its last payment."""


def negative_balance(tx: pl.DataFrame, ctx: pl.DataFrame) -> pl.DataFrame:
    """Households are keyed by their context row (``hix``): grouping and sorting integers is
    several times cheaper than household codes over the window's transactions."""
    known = ctx.filter(pl.col("balance_cents").is_not_null()).select(
        "hix",
        "balance_cents",
        start=day_number("balance_date"),
        since=day_number("since"),
        as_of=day_number("as_of"),
        floor="balance_floor_cents",
    )
    moves = tx.join(known.select("hix", "start"), on="hix").filter(pl.col("day") >= pl.col("start"))
    daily = (
        moves.group_by("hix", "day")
        .agg(pl.col("amount").sum())
        .sort("hix", "day")
        .with_columns(moved=pl.col("amount").cum_sum().over("hix"))
    )
    before = (
        daily.join(known.select("hix", "since"), on="hix")
        .filter(pl.col("day") < pl.col("since"))
        .group_by("hix")
        .agg(pl.col("moved").max_by("day"))
    )
    carried = (
        known.select("hix")
        .join(before, on="hix", how="left")
        .with_columns(pl.col("moved").fill_null(0))
    )  # end-of-day balances are the opening plus what moved since it
    points = pl.concat(
        [
            daily.select("hix", "day", "moved", first=pl.lit(False)),
            carried.join(known.select("hix", "since"), on="hix").select(
                "hix", day=pl.col("since"), moved="moved", first=pl.lit(True)
            ),
        ]
    ).join(known, on="hix")
    low = (
        points.with_columns(balance=pl.col("balance_cents") + pl.col("moved"))
        .filter(
            pl.col("day").is_between(pl.col("since"), pl.col("as_of")),
            pl.col("balance") < pl.col("floor"),
        )
        .with_columns(month=pl.col("day").cast(pl.Int32).cast(pl.Date).dt.month_start())
        .sort("hix", "day", "first", descending=[False, False, True])
    )
    months = low.group_by("hix", "month", maintain_order=True).agg(
        day=pl.col("day").first(),
        at_first=pl.col("balance").first(),
        lowest=pl.col("balance").min(),
        lowest_day=pl.col("day").sort_by("balance", "day").first(),
        floor=pl.col("floor").first(),
    )
    debits = (
        tx.filter(pl.col("amount") < 0)
        .join(months.select("hix", "day"), on=["hix", "day"], how="inner")
        .sort("hix", "day", "tx_key")
        .group_by("hix", "day", maintain_order=True)
        .agg(tx_keys=pl.col("tx_key"))
    )
    months = months.join(debits, on=["hix", "day"], how="left").join(
        ctx.select("hix", "household"), on="hix"
    )
    return _raw(
        months,
        kind=_lit(SignalKind.NEGATIVE_BALANCE),
        severity=_lit(Severity.ALERT),
        id_day=day_number("month"),
        amount_cents=pl.col("lowest"),
        reference_cents=pl.col("floor"),
        tx_keys=pl.col("tx_keys").fill_null(pl.lit([], pl.List(pl.String))),
        message=pl.concat_str(
            _lit("Saldo onder de ondergrens van "),
            txt.signed_euro(pl.col("floor")),
            _lit(" vanaf "),
            txt.long_date(pl.col("day")),
            _lit(" ("),
            txt.signed_euro(pl.col("at_first")),
            _lit("); laagste saldo "),
            txt.signed_euro(pl.col("lowest")),
            _lit(" op "),
            txt.long_date(pl.col("lowest_day")),
        ),
    )


def _month_pairs(s: pl.DataFrame) -> pl.DataFrame:
    """Per household the window's months with their evaluation day (month end, or ``as_of``)
    and the previous month's end."""
    months = (
        s.select("household", "since", "as_of")
        .unique("household")
        .with_columns(
            month=pl.date_ranges(
                txt.as_date(pl.col("since")).dt.month_start(),
                txt.as_date(pl.col("as_of")).dt.month_start(),
                interval="1mo",
            )
        )
        .explode("month")
    )
    return months.select(
        "household",
        month=day_number("month"),
        at=pl.min_horizontal(day_number(pl.col("month").dt.month_end()), pl.col("as_of")),
        before=day_number("month") - 1,
    )


def _rates(sid: I64, kind: I64, varies: np.ndarray, at: I64, pays: pl.DataFrame) -> I64:
    """Monthly equivalent per series on day ``at``: of its last payment within a period (plus
    the detector's tolerance) before ``at``, or, when its amount varies, of the mean payment in
    its last three periods; 0 when nothing came in that time."""
    keys = series_day_keys(pays["sid"].to_numpy(), pays["day"].to_numpy())
    amounts = pays["amount"].to_numpy()
    cum = np.concatenate(([0], np.cumsum(amounts)))
    periods = np.where(varies, INCOME_AVERAGED_PERIODS, 1)
    window = np.floor(periods * period_days(kind)).astype(np.int64) + tolerance(kind)
    hi = np.searchsorted(keys, series_day_keys(sid, at + 1))
    lo = np.where(
        varies, np.searchsorted(keys, series_day_keys(sid, at - window + 1)), np.maximum(hi - 1, 0)
    )
    recent = (hi > lo) & (np.searchsorted(keys, series_day_keys(sid, at - window + 1)) < hi)
    count, total = np.where(recent, hi - lo, 0), np.where(recent, cum[hi] - cum[lo], 0)
    num, den = total * _NUM[kind], np.maximum(count, 1) * _DEN[kind]
    q, r = np.divmod(num, den)  # half to even, as budget.periods.monthly_equivalent
    q = q + ((2 * r > den) | ((2 * r == den) & (q % 2 == 1)))
    out: I64 = np.where(count > 0, q, 0)
    return out


def income_dropped(s: pl.DataFrame, pays: pl.DataFrame) -> pl.DataFrame:
    income = s.filter(pl.col("income"))
    own = pays.filter(~pl.col("extra")).join(income.select("sid"), on="sid", how="semi")
    pairs = _month_pairs(income).join(
        income.select("household", "sid", "kind", "varies", "label", "drop"), on="household"
    )
    if pairs.height == 0:
        return pl.DataFrame(schema=RAW_SCHEMA)
    sid, kind = pairs["sid"].to_numpy(), pairs["kind"].to_numpy()
    varies = pairs["varies"].to_numpy()
    pairs = pairs.with_columns(
        now=pl.Series(_rates(sid, kind, varies, pairs["at"].to_numpy(), own)),
        was=pl.Series(_rates(sid, kind, varies, pairs["before"].to_numpy(), own)),
    )
    lower = pl.concat_str(
        pl.col("label"), _lit(" "), txt.euro(pl.col("was")), _lit(" → "), txt.euro(pl.col("now"))
    )
    totals = (
        pairs.sort("household", "month", "label")
        .group_by("household", "month", maintain_order=True)
        .agg(
            now=pl.col("now").sum(),
            was=pl.col("was").sum(),
            drop=pl.col("drop").first(),
            lower=lower.filter(pl.col("now") < pl.col("was")).str.join("; "),
        )
    )
    hit = totals.filter(
        pl.col("was") > 0, pl.col("now") * 100 < pl.col("was") * (100 - pl.col("drop"))
    )
    return _raw(
        hit,
        kind=_lit(SignalKind.INCOME_DROPPED),
        severity=_lit(Severity.ALERT),
        day=pl.col("month"),
        id_day=pl.col("month"),
        amount_cents=pl.col("now"),
        reference_cents=pl.col("was"),
        tx_keys=pl.lit([], pl.List(pl.String)),
        message=pl.concat_str(
            _lit("Structureel inkomen in "),
            txt.month_name(pl.col("month")),
            _lit(" "),
            txt.euro(pl.col("now")),
            _lit(" per maand, "),
            txt.percent(pl.col("was") - pl.col("now"), pl.col("was")),
            _lit(" minder dan in "),
            txt.month_name(pl.col("month") - 1),
            _lit(" ("),
            txt.euro(pl.col("was")),
            _lit("); marge "),
            pl.col("drop").cast(pl.String),
            _lit(" %. Lager: "),
            pl.col("lower"),
        ),
    )


def forecast_signals(summary: pl.DataFrame, ctx: pl.DataFrame) -> pl.DataFrame:
    """From :func:`budget.forecast.forecast`'s summary: the first month the expected path (alert)
    or else the low path (warning) ends below the floor, and the first month the expected path
    ends below the buffer target (info). Both can fire: a
    floor below zero then still warns about the buffer, and a wider margin never adds a signal."""
    s = summary.join(ctx.select("household"), on="household", how="semi")
    since = _lit(" (prognose vanaf ")
    tail = pl.concat_str(since, txt.long_date(day_number("as_of")), _lit(")"))
    below = s.filter(
        pl.col("first_below_floor").is_not_null() | pl.col("first_low_below_floor").is_not_null()
    )
    expected = pl.col("first_below_floor").is_not_null()
    month = pl.coalesce("first_below_floor", "first_low_below_floor")
    zero = _raw(
        below,
        kind=_lit(SignalKind.FORECAST_BELOW_ZERO),
        severity=pl.when(expected).then(_lit(Severity.ALERT)).otherwise(_lit(Severity.WARNING)),
        day=day_number(month.dt.month_end()),
        id_day=day_number(month),
        amount_cents=pl.when(expected)
        .then(pl.col("below_floor_cents"))
        .otherwise(pl.col("low_below_floor_cents")),
        reference_cents=pl.col("floor_cents"),
        tx_keys=pl.lit([], pl.List(pl.String)),
        message=pl.concat_str(
            pl.when(expected)
            .then(_lit("Verwacht saldo eind "))
            .otherwise(_lit("In het ongunstige geval (onderkant van de band) is het saldo eind ")),
            txt.month_name(day_number(month)),
            _lit(" "),
            txt.signed_euro(
                pl.when(expected)
                .then(pl.col("below_floor_cents"))
                .otherwise(pl.col("low_below_floor_cents"))
            ),
            _lit(", onder de ondergrens van "),
            txt.signed_euro(pl.col("floor_cents")),
            tail,
        ),
    )
    short = s.filter(pl.col("first_below_buffer").is_not_null())
    buffer = _raw(
        short,
        kind=_lit(SignalKind.FORECAST_BELOW_BUFFER),
        severity=_lit(Severity.INFO),
        day=day_number(pl.col("first_below_buffer").dt.month_end()),
        id_day=day_number("first_below_buffer"),
        amount_cents=pl.col("below_buffer_cents"),
        reference_cents=pl.col("buffer_cents"),
        tx_keys=pl.lit([], pl.List(pl.String)),
        message=pl.concat_str(
            _lit("Verwacht saldo eind "),
            txt.month_name(day_number("first_below_buffer")),
            _lit(" "),
            txt.signed_euro(pl.col("below_buffer_cents")),
            _lit(", onder de buffer van "),
            txt.euro(pl.col("buffer_cents")),
            tail,
        ),
    )
    return pl.concat([zero, buffer])
