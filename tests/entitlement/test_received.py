"""Received per regeling and month, and the voorschotten the decisions promised."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Engine

from entitlement.income import PAYMENT_SCHEMA
from entitlement.received import (
    DECISION_SCHEMA,
    RECEIVED_SCHEMA,
    advances_per_month,
    decisions_frame,
    household_received,
    latest_decisions,
    received_in_year,
    received_per_regeling,
)
from store.db import session_scope
from tests.entitlement.income_world import WW_NET, classified, store_world, tx


def d(month: int, year: int = 2024, day: int = 1) -> dt.date:
    return dt.date(year, month, day)


def test_bank_toeslagen_are_for_the_next_month_and_specifications_for_their_period() -> None:
    bank = classified([
        tx("A", d(1, day=20), 12_300, "toeslag", "Belastingdienst/Toeslagen", "zorgtoeslag"),
        tx("A", d(12, 2023, 20), 12_300, "toeslag", "Belastingdienst/Toeslagen", "zorgtoeslag"),
        tx("A", d(1, day=3), 27_949, "kinderbijslag", "SVB", "kinderbijslag"),
        tx("A", d(1, day=25), WW_NET, "uitkering", "UWV", "ww", key="linked"),
        tx("A", d(1, day=26), 8_000, "overig", "Vriend"),
    ])  # fmt: skip
    spec = pl.DataFrame(
        [("A", "uwv", "ww", d(12, 2023), d(1, day=24), 180_000, 30_000, WW_NET, "linked")],
        schema=PAYMENT_SCHEMA, orient="row",
    )  # fmt: skip
    got = received_per_regeling(bank, spec)
    assert got.schema == pl.Schema(RECEIVED_SCHEMA)
    rows = {(r["regeling"], r["period_month"]): r for r in got.rows(named=True)}
    assert set(rows) == {("zorgtoeslag", d(2)), ("zorgtoeslag", d(1)),
                         ("kinderbijslag", d(1)), ("ww", d(12, 2023))}  # fmt: skip
    ww = rows[("ww", d(12, 2023))]
    assert (ww["source"], ww["month"], ww["received_cents"]) == ("uitkeringsgegevens", d(1), WW_NET)
    assert "voorschot voor februari 2024" in rows[("zorgtoeslag", d(2))]["explanation"]
    year = received_in_year(got, 2024).rows(named=True)
    assert [(r["regeling"], r["received_cents"], r["months"]) for r in year] == [
        ("kinderbijslag", 27_949, 1), ("zorgtoeslag", 24_600, 2)
    ]  # fmt: skip


DECISIONS = pl.DataFrame(
    [
        ("A", "zorgtoeslag", 2024, 147_600, 12_300, 2_100_000, d(12, 2023, 10), False),
        ("A", "zorgtoeslag", 2024, 120_000, 7_700, 2_600_000, d(5, 2024, 10), False),
        ("A", "huurtoeslag", 2024, 360_000, 30_000, 2_100_000, d(3, 2024, 1), True),
        ("A", "zorgtoeslag", 2023, 140_000, 11_667, 2_000_000, d(12, 2022, 10), False),
    ],
    schema=DECISION_SCHEMA,
    orient="row",
)


def test_a_decision_sets_the_voorschot_from_the_first_month_after_its_date() -> None:
    months = advances_per_month(DECISIONS, 2024)
    zorg = months.filter(pl.col("regeling") == "zorgtoeslag")
    assert zorg.get_column("advance_cents").to_list() == [12_300] * 5 + [7_700] * 7
    huur = months.filter(pl.col("regeling") == "huurtoeslag")
    assert huur.get_column("month").to_list() == [d(m) for m in range(4, 13)]  # none before
    assert "volgens de beschikking van 10-05-2024" in zorg.row(5, named=True)["explanation"]
    assert advances_per_month(DECISIONS, 2030).height == 0


def test_the_latest_decision_of_a_year_states_its_voorschot_and_income_estimate() -> None:
    latest = latest_decisions(DECISIONS)
    zorg = latest.filter((pl.col("regeling") == "zorgtoeslag") & (pl.col("year") == 2024))
    assert zorg.select("advance_year_cents", "income_estimate_cents").row(0) == (
        120_000, 2_600_000
    )  # fmt: skip
    assert latest.height == 3


def test_received_and_decided_for_a_stored_household(engine: Engine) -> None:
    store_world(engine)
    with session_scope(engine) as session:
        received = household_received(session, "H1", d(1), d(3, day=31))
        decisions = decisions_frame(session, "H1")
    assert decisions.height == 2 and decisions.get_column("year").to_list() == [2024, 2024]
    summed = received.group_by("regeling", "source").agg(pl.col("received_cents").sum())
    totals = {(r["regeling"], r["source"]): r["received_cents"] for r in summed.rows(named=True)}
    assert totals[("ww", "uitkeringsgegevens")] == 2 * WW_NET  # specified months
    assert totals[("ww", "bankafschrift")] == WW_NET  # March: bank only, not twice
    assert totals[("zorgtoeslag", "bankafschrift")] == 3 * 12_300
    assert totals[("kinderbijslag", "bankafschrift")] == 27_949
