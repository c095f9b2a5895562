"""The cheaper paths of recurring detection give what the general ones give, on a small bulk demo
world and on variants of it: amounts and dates written per column (:func:`_euro_texts`,
:func:`_date_texts`) against ``euro_expr`` and ``strftime``, explanations against a sentence
written row by row in Python, the last booking day per account from runs against a plain
group-by, key hashes and counterparty keys from the per-code tables against the per-row
expressions, and the whole detection in store order against shuffled, categorical and
chunked input (which takes the general paths)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from budget import recurring_keys as keys
from budget.classify import classify
from budget.periods import DUTCH_NAME, Periodicity
from budget.recurring import (
    INPUT_COLUMNS,
    _date_texts,
    _euro_texts,
    detect_recurring,
    euro_expr,
)
from hhb.demo.bulk import write_bulk
from ingest.amounts import format_euro


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """40 households x 14 months of the bulk demo world, classified, in store order."""
    folder: Path = tmp_path_factory.mktemp("bulk")
    write_bulk(folder, households=40, months=14, seed=5, first=dt.date(2024, 1, 1), workers=1)
    frame = classify(pl.read_parquet(folder / "transactions" / "*.parquet"), [])
    return frame.select(INPUT_COLUMNS)


@pytest.fixture(scope="module")
def series(world: pl.DataFrame) -> pl.DataFrame:
    return detect_recurring(world)


def canonical(found: pl.DataFrame) -> pl.DataFrame:
    return found.sort(pl.col("tx_keys").list.first())


EDGES = [0, 1, 99, 100, 99_999, 100_000, 123_456, 99_999_999, 100_000_000, 2**63 - 1]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-(2**63) + 1, 2**63 - 1), min_size=1, max_size=200))
def test_euro_texts_equal_euro_expr(cents: list[int]) -> None:
    values = pl.Series(cents + EDGES + [-c for c in EDGES] + [None], dtype=pl.Int64)
    want = values.to_frame("c").select(euro_expr(pl.col("c"))).to_series()
    assert_series_equal(_euro_texts(values), want, check_names=False)


def test_date_texts_equal_strftime() -> None:
    near = pl.Series([dt.date(2024, 1, 1) + dt.timedelta(days=i % 400) for i in range(1000)])
    far = pl.Series([dt.date(1900, 1, 1), None, dt.date(2100, 12, 31)], dtype=pl.Date)
    for dates in (near, far, pl.concat([near, far]), far[1:2], far[:0]):
        assert_series_equal(_date_texts(dates), dates.dt.strftime("%d-%m-%Y"), check_names=False)


def sentence(row: dict[str, Any]) -> str:
    """The explanation of one series, written the plain way."""
    fmt = "%d-%m-%Y"
    text = (
        f"{DUTCH_NAME[Periodicity(row['periodicity'])]} sinds {row['first_date']:{fmt}}, "
        f"{row['occurrences']} keer, laatste bedrag {format_euro(abs(row['last_amount_cents']))}"
    )
    levels = row["levels"]
    if row["amount_varies"]:
        text += f"; bedrag wisselt, meestal rond {format_euro(abs(levels[0]['amount_cents']))}"
    for before, level in itertools.pairwise(levels):
        text += (
            f"; nieuw bedrag vanaf {level['start']:{fmt}}: "
            f"{format_euro(abs(level['amount_cents']))} "
            f"(was {format_euro(abs(before['amount_cents']))})"
        )
    extras = row["extra_count"]
    text += {0: "", 1: "; 1 extra betaling"}.get(extras, f"; {extras} extra betalingen")
    due = f"{row['expected_next_date']:{fmt}}"
    return text + {
        "active": f"; volgende rond {due}",
        "overdue": f"; verwachte betaling van {due} ontbreekt",
    }.get(
        row["status"],
        f"; gestopt: verwacht op {due} maar niet gezien, daarna nog "
        f"{row['missed_count'] - 1} keer gemist",
    )


def test_explanations_equal_the_plain_sentence(series: pl.DataFrame) -> None:
    assert series.height > 100
    # the world holds every kind of text: level changes, varying amounts, extras, every status
    assert (series["levels"].list.len() > 1).any()
    assert series["amount_varies"].any()
    assert (series["extra_count"] > 0).any()
    assert series["status"].n_unique() == 3
    for row in series.iter_rows(named=True):
        assert row["explanation"] == sentence(row)


def grouped_last_days(tx: pl.DataFrame) -> pl.DataFrame:
    """The last booking day per account by a plain group-by over the rows."""
    return (
        tx.filter((pl.col("amount_cents").fill_null(0) != 0) & pl.col("booking_date").is_not_null())
        .group_by(acct=pl.col("account").cast(pl.String).fill_null(""))
        .agg(as_of=pl.col("booking_date").max().cast(pl.Int32).cast(pl.Int64))
        .sort("acct")
    )


def variants(world: pl.DataFrame) -> list[pl.DataFrame]:
    """Store order; shuffled with categorical keys; with rows without an amount or a date and
    accounts missing, shuffled and with a categorical account column."""
    n = world.height
    holes = world.with_columns(
        amount_cents=pl.when(pl.int_range(n) % 13 == 0).then(0).otherwise(pl.col("amount_cents")),
        booking_date=pl.when(pl.int_range(n) % 17 == 0)
        .then(None)
        .otherwise(pl.col("booking_date")),
        account=pl.when(pl.int_range(n) % 19 == 0).then(None).otherwise(pl.col("account")),
    )
    shuffled = world.sample(fraction=1.0, shuffle=True, seed=7).with_columns(
        pl.col("household", "account", "counterparty_iban", "counterparty_name").cast(
            pl.Categorical
        )
    )
    coded = holes.with_columns(pl.col("account").cast(pl.Categorical))
    return [world, shuffled, holes, holes.sample(fraction=1.0, shuffle=True, seed=8), coded]


def test_last_booking_days_from_runs_equal_the_group_by(world: pl.DataFrame) -> None:
    for tx in variants(world):
        assert_frame_equal(keys.last_booking_days(tx).sort("acct"), grouped_last_days(tx))
    empty = keys.last_booking_days(world.head(0))
    assert empty.schema == pl.Schema({"acct": pl.String, "as_of": pl.Int64})


def test_key_tables_equal_the_per_row_expressions(world: pl.DataFrame) -> None:
    coded = world.with_columns(
        pl.col("counterparty_iban", "counterparty_name").cast(pl.Categorical)
    )
    hashes = keys.KeyHashes.for_frame(coded)
    for column in ("counterparty_iban", "counterparty_name"):
        normalise, seed = keys.KEY_COLUMNS[column]
        plain = world.select(pl.col(column).alias("v")).select(normalise.alias("v"))["v"]
        want = np.where(plain.is_null().to_numpy(), np.uint64(0), plain.hash(seed).to_numpy())
        assert np.array_equal(hashes.column(coded[column], column), want)
    rows = np.arange(0, world.height, 7)
    assert_series_equal(
        hashes.counterparty_key(
            coded["counterparty_iban"].gather(rows), coded["counterparty_name"].gather(rows)
        ),
        keys.counterparty_key(
            world["counterparty_iban"].gather(rows), world["counterparty_name"].gather(rows)
        ),
    )


def test_store_order_gives_what_shuffled_chunked_input_gives(
    world: pl.DataFrame, series: pl.DataFrame
) -> None:
    for tx in variants(world)[1:2]:
        assert_frame_equal(canonical(detect_recurring(tx, chunk_rows=5_000)), canonical(series))
    holes = variants(world)[2]
    assert_frame_equal(
        canonical(detect_recurring(holes)),
        canonical(
            detect_recurring(holes.sample(fraction=1.0, shuffle=True, seed=9), chunk_rows=7_000)
        ),
    )
