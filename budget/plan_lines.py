"""The lines of a budget, built for all households at once: from recurring series (steps 2-4
of :mod:`budget.plan`), irregular income (step 6) and one-off yearly bills (step 5).

Series are matched with their transactions by the 64-bit hash of the transaction key
(:func:`_key_hash`); every step works on whole columns, with the large classified table read
lazily so that only the few columns a step needs are touched.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from budget import plan_explain as explain
from budget.categories import BUDGET_INCOME_RUBRIEKEN, Rubriek
from budget.periods import (
    PERIOD_DAYS,
    PERIODICITIES,
    TOLERANCE_DAYS,
    Periodicity,
    monthly_equivalent_expr,
)
from budget.plan_rules import (
    BUDGET_LINE_SCHEMA,
    IRREGULAR_MONTHS,
    ONE_OFF_MONTHS,
    VOTES,
    YEARLY_BILLED,
    Post,
    Source,
    half_even,
    post_expr,
    rubriek_in,
)


def _code(periodicity: pl.Expr) -> pl.Expr:
    return periodicity.replace_strict(
        [str(p) for p in PERIODICITIES], list(range(len(PERIODICITIES))), return_dtype=pl.Int64
    )


def _per_periodicity(values: dict[Periodicity, float], periodicity: pl.Expr) -> pl.Expr:
    return periodicity.replace_strict(
        {str(p): v for p, v in values.items()}, return_dtype=pl.Float64
    )


def _key_hash(key: pl.Expr) -> pl.Expr:
    """Transaction keys are matched as 64-bit hashes: a join on 40 million 32-character strings
    costs many times more, and two different keys share a hash with a chance of about 10⁻⁴
    over the whole table, which at worst miscounts one vote or one one-off payment."""
    return key.cast(pl.String).hash(13)


SERIES_COLUMNS: Final = (
    "household",
    "counterparty_name",
    "direction",
    "periodicity",
    "occurrences",
    "first_date",
    "last_date",
    "expected_next_amount_cents",
    "amount_varies",
    "levels",
)
"""What the budget reads of a series, besides its payments' keys (lists of strings are carried
through no join: at a hundred thousand households they are most of the series table)."""


def _level_in_force(running: pl.DataFrame) -> pl.DataFrame:
    """Per ``sid`` the level on ``month_end`` (the last one started by then, else the first),
    its start and the amount before it. Levels come in date order; most series have one, which
    needs no exploding."""
    single = running.filter(pl.col("levels").list.len() == 1)
    one = single.select(
        "sid",
        level_amount=pl.col("levels").list.first().struct.field("amount_cents"),
        amount_since=pl.col("levels").list.first().struct.field("start"),
        previous_amount_cents=pl.lit(None, pl.Int64),
    )
    many = (
        running.filter(pl.col("levels").list.len() > 1)
        .explode("levels")
        .unnest("levels")
        .with_columns(
            previous_amount_cents=pl.col("amount_cents").shift(1).over("sid"),
            first=pl.col("sid").ne_missing(pl.col("sid").shift(1)),
        )
        .filter((pl.col("start") <= pl.col("month_end")) | pl.col("first"))
        .group_by("sid")
        .agg(
            level_amount=pl.col("amount_cents").last(),
            amount_since=pl.col("start").last(),
            previous_amount_cents=pl.col("previous_amount_cents").last(),
        )
    )
    return pl.concat([one, many])


def member_hashes(series: pl.DataFrame) -> pl.DataFrame:
    """``sid`` (row number in ``series``) and the key hash of each of its payments."""
    return (
        series.select(pl.col("tx_keys").alias("key"))
        .with_row_index("sid")
        .explode("key")
        .select("sid", h=_key_hash(pl.col("key")))
    )


def series_classification(series: pl.DataFrame, classified: pl.DataFrame) -> pl.DataFrame:
    """``sid`` (row number in ``series``) → ``rubriek`` and ``ketenpartner`` of the series."""
    keys = series.select(pl.col("tx_keys").list.tail(VOTES).alias("key"))
    # ``i``: the position of the key in its series' list (a missing list explodes to one row,
    # an empty one to none), counted in numpy: a window over ``sid`` costs twenty times more.
    rows_per_sid = keys["key"].list.len().fill_null(1).cast(pl.Int64).to_numpy()
    starts = np.cumsum(rows_per_sid) - rows_per_sid
    position = np.arange(int(rows_per_sid.sum()), dtype=np.int64) - np.repeat(starts, rows_per_sid)
    votes = (
        keys.with_row_index("sid")
        .explode("key")
        .with_columns(h=_key_hash(pl.col("key")), i=pl.Series(position))
        .drop("key")
    )
    rows = (
        classified.lazy()
        .select("rubriek", "ketenpartner", h=_key_hash(pl.col("tx_key")))
        .filter(pl.col("h").is_in(votes["h"].implode()))  # the few voting rows
        .select(
            "h",
            rubriek=pl.col("rubriek").cast(pl.String),
            ketenpartner=pl.col("ketenpartner").cast(pl.String),
        )
        .collect()
    )
    matched = votes.join(rows, on="h", how="inner")
    counted = (
        matched.group_by("sid", "rubriek")
        .agg(n=pl.len(), latest=pl.col("i").max())
        .sort("sid", "n", "latest", descending=[False, True, True])
        .group_by("sid", maintain_order=True)
        .agg(pl.col("rubriek").first())
    )
    partner = matched.group_by("sid").agg(pl.col("ketenpartner").sort_by("i").last())
    return counted.join(partner, on="sid", how="left")


def series_lines(
    series: pl.DataFrame,
    classified: pl.DataFrame,
    targets: pl.DataFrame,
    members: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.Series]:
    """Step 2-4 of the module docstring: the series in each household's budget month, and the
    key hashes of the payments of the series counted as income."""
    period = _per_periodicity(PERIOD_DAYS, pl.col("periodicity"))
    tolerance = _per_periodicity(TOLERANCE_DAYS, pl.col("periodicity"))
    since_last = (pl.col("month_end") - pl.col("last_date")).dt.total_days()
    running = (
        series.select(SERIES_COLUMNS)
        .with_row_index("sid")
        .join(targets.select("household", "month", "month_end"), on="household")
        .filter(
            (pl.col("first_date") <= pl.col("month_end")) & (since_last <= 2 * period + tolerance)
        )
        .with_columns(overdue=since_last > period + tolerance)
    )
    if running.height == 0:
        return pl.DataFrame(schema=BUDGET_LINE_SCHEMA), pl.Series("h", [], pl.UInt64)
    local = running.select("sid").with_row_index("local")
    classes = (
        series_classification(
            series.select(pl.col("tx_keys").list.tail(VOTES))[running["sid"]], classified
        )
        .rename({"sid": "local"})
        .join(local, on="local")
        .drop("local")
    )
    running = (
        running.join(classes, on="sid", how="left")
        .with_columns(post=post_expr(pl.col("direction"), pl.col("rubriek"), pl.col("periodicity")))
        .filter(pl.col("post").is_not_null())
    )
    levels = _level_in_force(running.select("sid", "month_end", "levels"))
    lines = (
        running.drop("levels")
        .join(levels, on="sid", how="left")
        .with_columns(
            amount_cents=pl.coalesce("level_amount", "expected_next_amount_cents"),
            source=pl.lit(Source.REEKS.value),
            tx_count=pl.col("occurrences"),
        )
    )
    # The periodicity's code as a column first: inside the expression its text lookup would
    # run once for every branch of the factor (ten times), most of this step's CPU.
    lines = (
        lines.with_columns(periodicity_code=_code(pl.col("periodicity")))
        .with_columns(
            monthly_cents=monthly_equivalent_expr(
                pl.col("amount_cents").abs(), pl.col("periodicity_code")
            )
        )
        .drop("periodicity_code")
    )
    income_sids = lines.filter(pl.col("post") == Post.INKOMEN.value)["sid"]
    income = members.filter(pl.col("sid").is_in(income_sids.implode()))["h"]
    out = lines.with_columns(explanation=explain.series_line()).select(
        [pl.col(name).cast(dtype) for name, dtype in BUDGET_LINE_SCHEMA.items()]
    )
    return out, income


def irregular_lines(
    classified: pl.DataFrame, targets: pl.DataFrame, counted: pl.Series
) -> pl.DataFrame:
    """Step 6: income outside the counted income series, per month over the last months."""
    start = pl.max_horizontal(
        pl.col("month").dt.offset_by(f"-{IRREGULAR_MONTHS - 1}mo"),
        pl.col("data_from").dt.truncate("1mo"),
    )
    income = (
        _payments(classified, pl.col("amount_cents") > 0, BUDGET_INCOME_RUBRIEKEN, targets, start)
        .filter(~pl.col("h").is_in(counted.implode()))
        .collect()
    )
    if income.height == 0:
        return pl.DataFrame(schema=BUDGET_LINE_SCHEMA)
    months = (
        (pl.col("month").dt.year() - pl.col("window_start").dt.year()) * 12
        + pl.col("month").dt.month().cast(pl.Int32)
        - pl.col("window_start").dt.month().cast(pl.Int32)
        + 1
    )
    grouped = (
        income.sort("booking_date")
        .group_by("household", "month", "month_end", "window_start", "rubriek", "ketenpartner")
        .agg(
            amount_cents=pl.col("amount_cents").sum(),
            first_date=pl.col("booking_date").first(),
            last_date=pl.col("booking_date").last(),
            tx_count=pl.len(),
            counterparty_name=pl.col("counterparty_name").drop_nulls().last(),
        )
        .with_columns(months=months)
        .with_columns(
            post=pl.lit(Post.WISSELEND_INKOMEN.value),
            source=pl.lit(Source.LOS.value),
            periodicity=pl.lit(None, pl.String),
            amount_since=pl.lit(None, pl.Date),
            previous_amount_cents=pl.lit(None, pl.Int64),
            monthly_cents=half_even(pl.col("amount_cents"), 1, pl.col("months")),
            amount_varies=pl.lit(True),
            overdue=pl.lit(False),
        )
    )
    return grouped.with_columns(explanation=explain.irregular_line()).select(
        [pl.col(name).cast(dtype) for name, dtype in BUDGET_LINE_SCHEMA.items()]
    )


def _payments(
    classified: pl.DataFrame,
    direction: pl.Expr,
    rubrieken: frozenset[Rubriek],
    targets: pl.DataFrame,
    window_start: pl.Expr,
) -> pl.LazyFrame:
    """The payments in one direction on some rubrieken, with what a loose-payments line shows
    and a hash of the key to leave out the payments already counted in a series, joined with
    their household's ``targets`` row and kept when booked from its ``window_start`` to its
    ``month_end``.

    Payments outside every household's window are dropped before the texts are cast, the keys
    hashed and the households joined (a bound on dates alone, so the result is the same)."""
    wanted = direction & rubriek_in(classified, rubrieken)
    earliest, latest = targets.select(window_start.min(), pl.col("month_end").max()).row(0)
    if earliest is not None and latest is not None:
        wanted = wanted & pl.col("booking_date").is_between(earliest, latest)
    return (
        classified.lazy()
        .filter(wanted)
        .select(
            pl.col("household").cast(pl.String),
            "booking_date",
            "amount_cents",
            rubriek=pl.col("rubriek").cast(pl.String),
            ketenpartner=pl.col("ketenpartner").cast(pl.String),
            counterparty_name=pl.col("counterparty_name").cast(pl.String),
            h=_key_hash(pl.col("tx_key")),
        )
        .join(targets.lazy().with_columns(window_start=window_start), on="household")
        .filter(pl.col("booking_date").is_between(pl.col("window_start"), pl.col("month_end")))
    )


def one_off_lines(
    series: pl.DataFrame, classified: pl.DataFrame, targets: pl.DataFrame, members: pl.DataFrame
) -> pl.DataFrame:
    """Step 5: one-off payments of yearly-billed rubrieken in the last twelve months."""
    window_start = pl.col("month").dt.offset_by(f"-{ONE_OFF_MONTHS - 1}mo")
    candidates = (
        _payments(classified, pl.col("amount_cents") < 0, YEARLY_BILLED, targets, window_start)
        .drop("window_start")
        .collect()
    )
    if candidates.height:
        theirs = series.select("household", "counterparty_name", "levels").filter(
            pl.col("household").is_in(candidates["household"].unique().implode())
        )
        # A payment of exactly a series' amount to the same counterparty is a double debit of
        # that series (a signal for the coach), not a yearly bill.
        doubles = (
            theirs.select("household", "counterparty_name", "levels")
            .explode("levels")
            .select(
                "household",
                "counterparty_name",
                amount_cents=pl.col("levels").struct.field("amount_cents"),
            )
            .unique()
        )
        # Probe the members with the few candidates, not the other way round.
        taken = members.filter(pl.col("h").is_in(candidates["h"].implode()))["h"]
        candidates = candidates.filter(~pl.col("h").is_in(taken.implode())).join(
            doubles, on=["household", "counterparty_name", "amount_cents"], how="anti"
        )
    if candidates.height == 0:
        return pl.DataFrame(schema=BUDGET_LINE_SCHEMA)
    grouped = (
        candidates.sort("booking_date")
        .group_by("household", "month", "month_end", "rubriek", "ketenpartner")
        .agg(
            amount_cents=pl.col("amount_cents").sum(),
            first_date=pl.col("booking_date").first(),
            last_date=pl.col("booking_date").last(),
            tx_count=pl.len(),
            counterparty_name=pl.col("counterparty_name").drop_nulls().last(),
        )
        .with_columns(
            post=pl.lit(Post.RESERVERING.value),
            source=pl.lit(Source.LOS.value),
            periodicity=pl.lit(None, pl.String),
            amount_since=pl.lit(None, pl.Date),
            previous_amount_cents=pl.lit(None, pl.Int64),
            monthly_cents=half_even(pl.col("amount_cents").abs(), 1, ONE_OFF_MONTHS),
            amount_varies=pl.lit(False),
            overdue=pl.lit(False),
        )
    )
    return grouped.with_columns(explanation=explain.one_off_line()).select(
        [pl.col(name).cast(dtype) for name, dtype in BUDGET_LINE_SCHEMA.items()]
    )
