"""The cheaper budget paths give exactly what the ones they replaced gave: the series' votes
numbered without a window, the loose payments bounded by date before the join, the monthly
equivalent from a periodicity code column, and the series explanation with each amount written
once; on a small bulk demo world and on rows that take every branch of the explanation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from budget import plan_explain as explain
from budget import plan_lines
from budget.classify import classify
from budget.periods import DUTCH_NAME
from budget.plan import budget_frame, budget_months
from budget.plan_rules import VOTES
from budget.recurring import detect_recurring, euro_expr
from hhb.demo.bulk import write_bulk


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    """40 households x 14 months of the bulk demo world, classified, and their series."""
    folder: Path = tmp_path_factory.mktemp("bulk")
    write_bulk(folder, households=40, months=14, seed=11, first=dt.date(2024, 1, 1), workers=1)
    classified = classify(pl.read_parquet(folder / "transactions" / "*.parquet"), [])
    return classified, detect_recurring(classified)


def votes_by_window(series: pl.DataFrame, classified: pl.DataFrame) -> pl.DataFrame:
    """:func:`budget.plan_lines.series_classification` as it was: positions by a window."""
    votes = (
        series.select(pl.col("tx_keys").list.tail(VOTES).alias("key"))
        .with_row_index("sid")
        .explode("key")
        .with_columns(h=plan_lines._key_hash(pl.col("key")), i=pl.int_range(pl.len()).over("sid"))
        .drop("key")
    )
    rows = (
        classified.lazy()
        .select("rubriek", "ketenpartner", h=plan_lines._key_hash(pl.col("tx_key")))
        .filter(pl.col("h").is_in(votes["h"].implode()))
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


def test_votes_numbered_without_a_window(world: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    classified, series = world
    keys = series.select("tx_keys")
    # A series whose keys are missing or empty explodes to one row: the positions still line up.
    odd = pl.DataFrame({"tx_keys": [[], None, ["x"]]}, schema=keys.schema)
    shuffled = pl.concat([odd, keys.sample(fraction=1.0, shuffle=True, seed=4), odd])
    for frame in (keys, shuffled):
        got = plan_lines.series_classification(frame, classified).sort("sid")
        want = votes_by_window(frame, classified).sort("sid")
        assert got.height > 100
        assert_frame_equal(got, want)


def test_households_with_other_months_match_one_by_one(
    world: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """The loose payments are bounded by the earliest window of all households before the join:
    with every household in another budget month, each one's budget is still its own."""
    classified, series = world
    households = budget_months(classified)["household"].sort()
    choices = pl.date_range(dt.date(2024, 2, 1), dt.date(2025, 2, 1), "1mo", eager=True)
    months = pl.DataFrame(
        {"household": households, "month": choices.gather(pl.arange(len(households)) % 13)}
    )
    totals, lines = budget_frame(classified, series, months)
    assert lines["post"].n_unique() >= 4 and lines["source"].n_unique() == 2
    for household in households.gather([0, 5, 12, 13, 27, 39]):
        one = classified.filter(pl.col("household") == household)
        own = series.filter(pl.col("household") == household)
        month = months.filter(pl.col("household") == household)
        alone_totals, alone_lines = budget_frame(one, own, month)
        assert_frame_equal(totals.filter(pl.col("household") == household), alone_totals)
        assert_frame_equal(lines.filter(pl.col("household") == household), alone_lines)


def series_line_before() -> pl.Expr:
    """:func:`budget.plan_explain.series_line` as it was: the amount written in every branch."""
    amount = pl.col("amount_cents")
    periodicity = pl.col("periodicity")
    how_often = periodicity.replace_strict(
        {str(p): text for p, text in DUTCH_NAME.items()}, return_dtype=pl.String
    )
    rule = periodicity.replace_strict(
        {str(p): suffix for p, suffix in explain.RULES.items()}, return_dtype=pl.String
    )
    level = (
        pl.when(pl.col("amount_varies"))
        .then(pl.concat_str(pl.lit("bedrag wisselt, meestal rond "), euro_expr(amount)))
        .when(pl.col("previous_amount_cents").is_not_null())
        .then(
            pl.concat_str(
                pl.lit("bedrag "),
                euro_expr(amount),
                pl.lit(" sinds "),
                explain._date("amount_since"),
                pl.lit(" (was "),
                euro_expr(pl.col("previous_amount_cents")),
                pl.lit(")"),
            )
        )
        .otherwise(pl.concat_str(pl.lit("bedrag "), euro_expr(amount)))
    )
    post = pl.col("post")
    note = (
        pl.when(post == "reservering")
        .then(pl.lit("; jaarlijkse betaling: elke maand een twaalfde opzij zetten"))
        .when((post == "vaste_lasten") & (pl.col("rubriek") == "overig"))
        .then(pl.lit("; niet herkend (rubriek overig): controleer of dit een vaste last is"))
        .otherwise(pl.lit(""))
    )
    overdue = (
        pl.when(pl.col("overdue"))
        .then(pl.lit("; let op: de laatste verwachte betaling ontbreekt"))
        .otherwise(pl.lit(""))
    )
    return pl.concat_str(
        explain._name(),
        pl.lit(" ("),
        explain._label(pl.col("rubriek")),
        pl.lit("): "),
        how_often,
        pl.lit(", "),
        pl.col("tx_count").cast(pl.String),
        pl.lit(" keer betaald van "),
        explain._date("first_date"),
        pl.lit(" t/m "),
        explain._date("last_date"),
        pl.lit("; "),
        level,
        pl.lit("; per maand: "),
        euro_expr(amount),
        rule,
        pl.lit(" = "),
        euro_expr(pl.col("monthly_cents")),
        note,
        overdue,
    )


def test_series_explanation_as_before(world: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    classified, series = world
    _, lines = budget_frame(classified, series)
    rows = lines.filter(pl.col("source") == "reeks").drop("explanation")
    assert rows.height > 100
    # Every branch: varying or not (or unknown), an earlier amount or not, with or without its
    # date, large and negative amounts, a missing name.
    n = rows.height
    index = pl.int_range(pl.len())
    variants = rows.with_columns(
        amount_varies=pl.when(index % 5 == 0)
        .then(None)
        .otherwise(pl.col("amount_varies") ^ (index % 3 == 0)),
        previous_amount_cents=pl.when(index % 4 == 0)
        .then(pl.col("amount_cents") * 1001 - 7)
        .otherwise(pl.col("previous_amount_cents")),
        amount_since=pl.when(index % 7 == 0).then(None).otherwise(pl.col("first_date")),
        amount_cents=pl.when(index % 6 == 0)
        .then(pl.col("amount_cents") * -123_457)
        .otherwise(pl.col("amount_cents")),
        ketenpartner=pl.when(index % 11 == 0).then(None).otherwise(pl.col("ketenpartner")),
    )
    for frame in (rows, variants):
        got = frame.select(explain.series_line()).to_series()
        want = frame.select(series_line_before()).to_series()
        assert got.len() == n
        assert got.equals(want)
    assert variants.select(series_line_before()).to_series().null_count() > 0
