"""What-if: the outcomes again under a changed monthly income from a chosen month."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import Engine

from entitlement.received import TOESLAGEN
from entitlement.whatif import IncomeChange, WhatIfError, whatif
from tests.entitlement.test_outcomes import YEAR, load, store_missed, store_rise


@pytest.mark.parametrize("code", ["GEMIST", "STIJGER"])
def test_a_thousand_euro_more_never_increases_a_toeslag(engine: Engine, code: str) -> None:
    (store_missed if code == "GEMIST" else store_rise)(engine)
    result = whatif(load(engine, code), IncomeChange(dt.date(YEAR, 4, 1), 1_000_00))
    toeslagen = result.per_month.filter(pl.col("regeling").is_in(TOESLAGEN))
    assert toeslagen.height
    assert (toeslagen["difference_cents"].drop_nulls() <= 0).all()
    zorg = result.per_regeling.filter(pl.col("regeling") == "zorgtoeslag").row(0, named=True)
    assert zorg["difference_cents"] < 0  # a yearly right: the whole year moves


def test_the_income_change_reaches_both_income_inputs(engine: Engine) -> None:
    store_missed(engine)
    data = load(engine, "GEMIST")
    result = whatif(data, IncomeChange(dt.date(YEAR, 10, 1), 500_00))
    before = result.base.projection["projected_cents"]
    after = result.changed.projection["projected_cents"]
    assert result.gross_cents > 500_00  # more gross than net: wage tax on the extra
    assert after - before == 3 * result.gross_cents  # October to December
    net_before = result.base.evaluated["netto_inkomen_maand_cents"].to_list()
    net_after = result.changed.evaluated["netto_inkomen_maand_cents"].to_list()
    assert net_after[:9] == net_before[:9]
    assert [a - b for a, b in zip(net_after[9:], net_before[9:], strict=True)] == [500_00] * 3
    assert "netto € +500,00 per maand" in result.explanation


def test_a_gross_change_is_taken_as_given_and_an_income_drop_raises_the_toeslag(
    engine: Engine,
) -> None:
    store_rise(engine)
    result = whatif(
        load(engine, "STIJGER"), IncomeChange(dt.date(YEAR, 7, 1), -1_500_00, gross=True)
    )
    assert result.gross_cents == -1_500_00
    claw = result.clawbacks.filter(pl.col("regeling") == "zorgtoeslag").row(0, named=True)
    assert claw["to_pay_cents_new"] < claw["to_pay_cents"]
    zorg = result.per_regeling.filter(pl.col("regeling") == "zorgtoeslag").row(0, named=True)
    assert zorg["difference_cents"] > 0


def test_a_month_after_the_year_is_refused(engine: Engine) -> None:
    store_missed(engine)
    with pytest.raises(WhatIfError, match="ligt na 2024"):
        whatif(load(engine, "GEMIST"), IncomeChange(dt.date(YEAR + 1, 2, 1), 100_00))
