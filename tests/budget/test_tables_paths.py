"""The one-pass month tables for rows in booking order give exactly the tables of the general
group-bys (:func:`budget.tables._lines`, ``_balances``, ``_summary``, the implementation before
the one-pass path was added), on a small bulk demo world and on variants of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from budget import tables
from budget.classify import classify
from budget.tables import LINE_SCHEMA, monthly_tables
from hhb.demo.bulk import write_bulk

LINE_KEY = ["household", "month", "rubriek", "ketenpartner"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """40 households x 14 months of the bulk demo world, classified, in store order."""
    folder: Path = tmp_path_factory.mktemp("bulk")
    write_bulk(folder, households=40, months=14, seed=3, first=dt.date(2024, 1, 1), workers=1)
    return classify(pl.read_parquet(folder / "transactions" / "*.parquet"), [])


def reference(frame: pl.DataFrame) -> tables.MonthlyTables:
    """The tables by the general group-bys, whatever the row order."""
    lines = tables._lines(frame)
    summary = tables._summary(lines, tables._balances(frame))
    return tables.MonthlyTables(tables._typed(lines, LINE_SCHEMA), summary)


def assert_same(got: tables.MonthlyTables, want: tables.MonthlyTables) -> None:
    assert_frame_equal(
        got.lines.sort(LINE_KEY, nulls_last=True), want.lines.sort(LINE_KEY, nulls_last=True)
    )
    assert_frame_equal(got.summary, want.summary)


def in_order(frame: pl.DataFrame) -> bool:
    rows = frame.filter(pl.col("amount_cents").is_not_null() & pl.col("booking_date").is_not_null())
    return tables._runs(rows) is not None


def test_store_order_takes_the_one_pass_path_with_the_same_tables(world: pl.DataFrame) -> None:
    assert in_order(world)
    got = monthly_tables(world)
    assert_same(got, reference(world))
    assert got.lines.height > world["household"].n_unique() * 14
    assert got.summary["opening_cents"].null_count() == 0


def test_stated_balances_only_on_statements_and_unknown_accounts(world: pl.DataFrame) -> None:
    """No running balance on half the households (statement opening/closing instead), none at
    all on one account (its household's saldo unknown), a row without amount or date."""
    households = world["household"].unique().sort()
    half = pl.col("household").is_in(households[::2].implode())
    one_account = pl.col("account") == world["account"][0]
    frame = world.with_columns(
        balance_after_cents=pl.when(half | one_account)
        .then(None)
        .otherwise(pl.col("balance_after_cents")),
        opening_balance_cents=pl.when(one_account)
        .then(None)
        .otherwise(pl.col("balance_after_cents") - pl.col("amount_cents")),
        closing_balance_cents=pl.when(one_account)
        .then(None)
        .otherwise(pl.col("balance_after_cents")),
        amount_cents=pl.when(pl.int_range(pl.len()) == 5)
        .then(None)
        .otherwise(pl.col("amount_cents")),
    )
    assert in_order(frame)
    got = monthly_tables(frame)
    assert_same(got, reference(frame))
    assert got.summary["opening_cents"].null_count() > 0


def test_accounts_over_part_of_their_household_s_months(world: pl.DataFrame) -> None:
    """Accounts that start later or stop earlier than their household's other accounts, with
    months without bookings in between: the summary's grid of account months carries each
    account's stated balance forward and backward over the months it has no booking (the
    one-pass summary in numpy, :func:`budget.tables._summary_in_order`)."""
    accounts = world["account"].unique().sort()
    month = pl.col("booking_date").dt.month()
    number = pl.col("account").rank("dense") % 4
    stated = pl.col("booking_date").dt.day() < 20
    frame = world.filter(
        ((number == 0) & (pl.col("booking_date") < dt.date(2024, 4, 1)))
        .or_((number == 1) & (pl.col("booking_date") >= dt.date(2024, 11, 1)))
        .or_((number == 2) & month.is_in([3, 4, 7]))
        .not_()
    ).with_columns(
        # Running balances only early in a month on some accounts: months without one take
        # the statement balances or the balance carried from another month.
        balance_after_cents=pl.when((number == 3) & ~stated)
        .then(None)
        .otherwise(pl.col("balance_after_cents")),
        opening_balance_cents=pl.when(number == 2)
        .then(None)
        .otherwise(pl.col("opening_balance_cents")),
    )
    assert accounts.len() > 40 and in_order(frame)
    got = monthly_tables(frame)
    assert_same(got, reference(frame))
    assert got.summary.height > 40 * 12
    assert got.summary["opening_cents"].null_count() == 0


def test_missing_account_household_and_partner(world: pl.DataFrame) -> None:
    """A missing account counts as ``""``, a missing household and ketenpartner are kept."""
    households = world["household"].unique().sort()
    frame = world.with_columns(
        account=pl.when(pl.col("household") == households[0])
        .then(None)
        .otherwise(pl.col("account")),
        household=pl.when(pl.col("household") == households[1])
        .then(None)
        .otherwise(pl.col("household")),
        ketenpartner=pl.when(pl.col("rubriek") == "boodschappen")
        .then(None)
        .otherwise(pl.col("ketenpartner")),
    )
    assert in_order(frame)
    got = monthly_tables(frame)
    assert_same(got, reference(frame))
    assert got.lines["household"].null_count() and got.lines["ketenpartner"].null_count()


def test_other_orders_take_the_general_path_with_the_same_tables(world: pl.DataFrame) -> None:
    shuffled = world.sample(fraction=1.0, shuffle=True, seed=2)
    # Accounts together, but two households' accounts share a number: not one household each.
    shared = world.with_columns(
        account=pl.when(pl.col("household") == world["household"][0])
        .then(pl.lit("NL00SHARED"))
        .otherwise(pl.col("account"))
    ).sort("account", "booking_date", "position", maintain_order=True)
    shared = shared.with_columns(
        household=pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.col("household"))
        .otherwise(pl.lit("h-other"))
    )
    for frame in (shuffled, shared):
        assert not in_order(frame)
        assert_same(monthly_tables(frame), reference(frame))
    assert_same(monthly_tables(shuffled), monthly_tables(world))


def test_empty_and_single_row(world: pl.DataFrame) -> None:
    for frame in (world.head(0), world.head(1)):
        assert_same(monthly_tables(frame), reference(frame))


def test_large_grids_group_by_the_cell_number(
    world: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the grid limit (and with partner codes above it) the same lines by a group-by."""
    monkeypatch.setattr(tables, "_MAX_CELLS", 0)
    frame = world.with_columns(
        ketenpartner=pl.when(pl.col("rubriek") == "overig")
        .then(None)
        .otherwise(pl.col("ketenpartner"))
    )
    assert in_order(frame)
    assert_same(monthly_tables(frame), reference(frame))


def test_amounts_too_large_for_exact_float_sums(world: pl.DataFrame) -> None:
    """One amount above 2⁶⁰ cents: float sums over the part would round, so the lines and the
    summary's group totals are summed in integers (``reduceat``, a group-by) instead."""
    frame = world.with_columns(
        amount_cents=pl.when(pl.int_range(pl.len()) == 100)
        .then(pl.lit(2**60 + 12_345, pl.Int64))
        .otherwise(pl.col("amount_cents"))
    )
    assert in_order(frame)
    got = monthly_tables(frame)
    assert_same(got, reference(frame))
    largest = got.summary["net_cents"].max()
    assert isinstance(largest, int) and largest > 2**60 - 10**9
