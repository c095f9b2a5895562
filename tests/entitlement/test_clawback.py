"""Expected clawbacks: exact netting, the waiver boundaries, € 24, the 24-term plan, advice."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from entitlement.clawback import (
    CLAWBACK_INPUT_SCHEMA,
    CLAWBACK_SCHEMA,
    assess_one,
    due_window,
    expected_clawbacks,
    payment_plan,
)

JUNE = dt.date(2024, 6, 1)


def test_difference_reclaim_and_back_payment_are_exact() -> None:
    got = assess_one("zorgtoeslag", 2024, 150_000, 100_001, JUNE)
    assert (got["difference_cents"], got["reclaim_cents"], got["back_payment_cents"]) == (
        -49_999, 49_999, 0
    )  # fmt: skip
    more = assess_one("huurtoeslag", 2024, 300_000, 350_000, JUNE)
    assert (more["reclaim_cents"], more["back_payment_cents"], more["to_pay_cents"]) == (
        0, 50_000, 0
    )  # fmt: skip
    assert "nabetaald" in more["explanation"] and "niets te doen" in more["advice"]


@pytest.mark.parametrize(
    ("year", "reclaim", "waived"),
    [
        (2022, 106_00, True),   # calculation in 2023: ≤ € 106 is not collected
        (2022, 106_01, False),
        (2023, 116_00, True),   # calculation in 2024: ≤ € 116
        (2023, 116_01, False),
        (2023, 1, True),
        (2024, 50_00, False),   # calculation in 2025: threshold not found, nothing waived
    ],
)  # fmt: skip
def test_small_reclaims_are_waived_only_up_to_the_threshold_of_the_calculation_year(
    year: int, reclaim: int, waived: bool
) -> None:
    got = assess_one("huurtoeslag", year, 300_000, 300_000 - reclaim, dt.date(year, 6, 1))
    assert got["waived"] is waived
    assert got["to_pay_cents"] == (0 if waived else reclaim)
    if year == 2024:
        assert got["waiver_threshold_cents"] is None
        assert (
            "kwijtscheldingsgrens voor definitieve berekeningen in 2025 is niet gevonden"
            in (got["explanation"])
        )
    if waived:
        assert "valt onder de grens" in got["advice"]


def test_the_24_euro_minimum_applies_to_zorgtoeslag_only() -> None:
    below = assess_one("zorgtoeslag", 2024, 10_000, 23_99, JUNE)
    assert below["below_minimum"] and below["reclaim_cents"] == 10_000
    assert "minder dan € 24,00 per jaar" in below["explanation"]
    at = assess_one("zorgtoeslag", 2024, 10_000, 24_00, JUNE)
    assert not at["below_minimum"] and at["reclaim_cents"] == 7_600
    other = assess_one("huurtoeslag", 2024, 10_000, 23_99, JUNE)
    assert not other["below_minimum"] and other["reclaim_cents"] == 10_000 - 23_99


def test_due_window_reservation_and_plan() -> None:
    assert due_window(2024) == (dt.date(2025, 1, 1), dt.date(2025, 11, 1))
    got = assess_one("zorgtoeslag", 2024, 150_000, 100_000, dt.date(2024, 6, 17))
    assert (got["due_earliest"], got["due_latest"]) == due_window(2024)
    assert got["months_until_due"] == 7
    assert got["monthly_reservation_cents"] == 7_143  # 500,00 / 7 rounded up
    assert (got["plan_terms"], got["plan_first_term_cents"], got["plan_last_term_cents"]) == (
        24, 2_084, 2_083
    )  # fmt: skip
    late = assess_one("zorgtoeslag", 2024, 150_000, 100_000, dt.date(2025, 3, 1))
    assert late["months_until_due"] < 0 and late["monthly_reservation_cents"] == 50_000
    assert "elk moment komen" in late["advice"]


def test_advice_offers_a_new_voorschot_or_a_reservation_and_names_the_partner() -> None:
    got = assess_one("zorgtoeslag", 2024, 150_000, 100_000, JUNE, advance_month_cents=12_500,
                     with_partner=True)  # fmt: skip
    # adjusted now: (1.000 - 6 x 125 paid) over the 6 months left
    assert got["new_advance_month_cents"] == (100_000 - 6 * 12_500) // 6
    advice = got["advice"]
    assert "Mijn toeslagen" in advice and "€ 41,66 per maand in plaats van € 125,00" in advice
    assert "reserveer € 71,43 per maand vanaf juni 2024 tot januari 2025" in advice
    assert "24 maandelijkse termijnen van € 20,84 (de laatste € 20,83)" in advice
    assert "toeslagpartner is ook aansprakelijk" in advice and "rente" in advice
    single = assess_one("zorgtoeslag", 2024, 150_000, 100_000, JUNE)
    assert "toeslagpartner" not in single["advice"] and single["new_advance_month_cents"] is None


def test_many_households_at_once() -> None:
    frame = pl.DataFrame(
        [("A", "zorgtoeslag", 2024, 150_000, 12_500, 100_000, False, True, JUNE),
         ("B", "huurtoeslag", 2023, 300_000, None, 299_000, True, False, JUNE)],
        schema=CLAWBACK_INPUT_SCHEMA, orient="row",
    )  # fmt: skip
    got = expected_clawbacks(frame)
    assert got.schema == pl.Schema(CLAWBACK_SCHEMA)
    assert got.get_column("to_pay_cents").to_list() == [50_000, 0]
    assert got.get_column("waived").to_list() == [False, True]


@given(st.integers(0, 10**9), st.integers(1, 60))
def test_a_plan_adds_up_exactly_and_its_terms_differ_by_at_most_a_cent(
    amount: int, terms: int
) -> None:
    plan = payment_plan(amount, terms)
    assert len(plan) == terms and sum(plan) == amount
    assert max(plan) - min(plan) <= 1 and list(plan) == sorted(plan, reverse=True)


@given(
    st.integers(0, 500_000),
    st.integers(0, 500_000),
    st.integers(0, 500_000),
    st.sampled_from(["zorgtoeslag", "huurtoeslag"]),
    st.sampled_from([2022, 2023, 2024]),
)
def test_more_income_never_gives_a_smaller_reclaim(
    advances: int, first: int, second: int, regeling: str, year: int
) -> None:
    # more income gives a definitive amount that is not higher: the reclaim must not drop
    high, low = max(first, second), min(first, second)
    richer = assess_one(regeling, year, advances, low, dt.date(year, 6, 1))
    poorer = assess_one(regeling, year, advances, high, dt.date(year, 6, 1))
    assert richer["to_pay_cents"] >= poorer["to_pay_cents"]
    assert richer["reclaim_cents"] >= poorer["reclaim_cents"]


def test_texts_name_the_regeling_in_dutch_not_by_its_identifier() -> None:
    got = assess_one("kindgebonden_budget", 2024, 300_000, 200_000, JUNE)
    assert "terugbetalen voor kindgebonden budget 2024." in str(got["advice"])
    assert "voorschotten kindgebonden budget 2024:" in str(got["explanation"])
    assert "kindgebonden_budget" not in str(got["advice"]) + str(got["explanation"])
    nothing = assess_one("kindgebonden_budget", 2024, 200_000, 200_000, JUNE)
    assert str(nothing["advice"]).startswith("Voor kindgebonden budget 2024 is geen")
