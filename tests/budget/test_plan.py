"""The budget of a month: every periodicity, a rent increase, reservations, debts, irregular
income, and the leefgeld that follows; small histories written inline."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget.categories import RUBRIEKEN
from budget.periods import Periodicity, monthly_equivalent
from budget.plan import Post, budget_frame, budget_months, half_even
from budget.plan_household import NoBudgetData, household_budget
from budget.recurring import detect_recurring
from ingest.canonical import TRANSACTION_SCHEMA, tx_key

D = dt.date
ACCOUNT = "NL01TEST0000000001"
SCHEMA = TRANSACTION_SCHEMA | {
    "ketenpartner": pl.String,
    "rubriek": pl.Enum(list(RUBRIEKEN)),
    "regeling": pl.String,
    "rule_id": pl.String,
    "reason": pl.String,
}


class History:
    """A household's classified bookings, added a stream at a time."""

    def __init__(self, household: str = "h1") -> None:
        self.household = household
        self.rows: list[dict[str, object]] = []
        self.seen: dict[tuple[dt.date, int], int] = {}

    def add(
        self, day: dt.date, cents: int, partner: str, rubriek: str, iban: str | None = None
    ) -> None:
        n = self.seen.get((day, cents), 0) + 1
        self.seen[(day, cents)] = n
        row: dict[str, object] = dict.fromkeys(SCHEMA)
        row.update(
            household=self.household,
            account=ACCOUNT,
            booking_date=day,
            value_date=day,
            amount_cents=cents,
            currency="EUR",
            counterparty_iban=iban,
            counterparty_name=partner,
            is_reversal=False,
            position=len(self.rows),
            tx_key=tx_key(ACCOUNT + self.household, day, cents, n),
            ketenpartner=partner,
            rubriek=rubriek,
            rule_id="test",
            reason="test",
        )
        self.rows.append(row)

    def monthly(
        self,
        first: dt.date,
        months: int,
        day: int,
        cents: int,
        partner: str,
        rubriek: str,
        every: int = 1,
    ) -> None:
        for k in range(0, months, every):
            m = first.month - 1 + k
            self.add(D(first.year + m // 12, m % 12 + 1, day), cents, partner, rubriek)

    def every(
        self, first: dt.date, days: int, count: int, cents: int, partner: str, rubriek: str
    ) -> None:
        for k in range(count):
            self.add(first + dt.timedelta(days=days * k), cents, partner, rubriek)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=SCHEMA, orient="row")


DECEMBER = D(2024, 12, 1)


def budget(
    history: History, month: dt.date | None = DECEMBER
) -> tuple[dict[str, object], pl.DataFrame]:
    df = history.frame()
    totals, lines = budget_frame(df, detect_recurring(df), month)
    return totals.row(0, named=True), lines


def line(lines: pl.DataFrame, partner: str, post: Post | None = None) -> dict[str, object]:
    rows = lines.filter(pl.col("ketenpartner") == partner)
    if post is not None:
        rows = rows.filter(pl.col("post") == post.value)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def a_year() -> History:
    """2024: rent with an increase in July, monthly benefit, 4-weekly wage, quarterly
    kinderbijslag, weekly leefgeld, a yearly municipal tax (2023 and 2024)."""
    h = History()
    h.monthly(D(2024, 1, 1), 6, 1, -42410, "Portaal", "huur")
    h.monthly(D(2024, 7, 1), 6, 1, -44106, "Portaal", "huur")
    h.monthly(D(2024, 1, 1), 12, 5, 45734, "UWV", "uitkering")
    h.every(D(2024, 1, 12), 28, 13, 61250, "Bouwbedrijf", "inkomen")
    h.monthly(D(2024, 1, 1), 12, 3, 28800, "SVB", "kinderbijslag", every=3)
    h.every(D(2024, 1, 1), 7, 52, -6000, "Huishoudboekje", "leefgeld")
    h.add(D(2023, 2, 28), -48000, "BghU", "gemeentelijke_belastingen")
    h.add(D(2024, 2, 28), -48000, "BghU", "gemeentelijke_belastingen")
    h.monthly(D(2024, 1, 1), 12, 20, -2500, "CJIB", "aflossing_schulden")
    return h


def test_each_periodicity_becomes_its_monthly_equivalent() -> None:
    totals, lines = budget(a_year())
    assert totals["month"] == D(2024, 12, 1)
    wage = line(lines, "Bouwbedrijf")
    assert wage["periodicity"] == "four_weekly" and wage["post"] == "inkomen"
    assert wage["monthly_cents"] == monthly_equivalent(61250, Periodicity.FOUR_WEEKLY) == 66354
    kb = line(lines, "SVB")
    assert kb["periodicity"] == "quarterly"
    assert kb["monthly_cents"] == monthly_equivalent(28800, Periodicity.QUARTERLY) == 9600
    tax = line(lines, "BghU")
    assert tax["post"] == "reservering" and tax["periodicity"] == "yearly"
    assert tax["monthly_cents"] == 4000
    assert line(lines, "CJIB")["post"] == "aflossing"
    assert "Huishoudboekje" not in lines["ketenpartner"].to_list()  # leefgeld is the outcome
    income = 45734 + 66354 + 9600
    assert totals["income_cents"] == income
    assert totals["fixed_costs_cents"] == 44106
    assert totals["reservations_cents"] == 4000
    assert totals["debt_repayments_cents"] == 2500
    leefgeld = income - 44106 - 4000 - 2500
    assert totals["leefgeld_month_cents"] == leefgeld
    assert totals["leefgeld_week_cents"] == round(leefgeld * 12 / 52)
    assert totals["leefgeld_paid_cents"] == 6000 * 4 and totals["leefgeld_paid_count"] == 4


def test_weekly_income_is_times_52_over_12() -> None:
    h = History()
    h.every(D(2024, 1, 5), 7, 30, 25000, "Uitzendbureau", "inkomen")
    totals, lines = budget(h, D(2024, 6, 1))
    assert line(lines, "Uitzendbureau")["monthly_cents"] == 108333  # 25000 × 52 / 12
    assert totals["income_cents"] == 108333


def test_rent_increase_counts_from_its_month() -> None:
    h = a_year()
    june = line(budget(h, D(2024, 6, 1))[1], "Portaal")
    december = line(budget(h, D(2024, 12, 1))[1], "Portaal")
    assert june["monthly_cents"] == 42410
    assert december["monthly_cents"] == 44106
    assert december["previous_amount_cents"] == -42410
    assert december["amount_since"] == D(2024, 7, 1)
    assert "sinds 01-07-2024 (was € 424,10)" in str(december["explanation"])


def test_explanations_name_series_months_and_rule() -> None:
    _, lines = budget(a_year())
    text = str(line(lines, "Bouwbedrijf")["explanation"])
    assert text.startswith("Bouwbedrijf (inkomen uit werk): elke 4 weken, 13 keer betaald van")
    assert text.endswith("€ 612,50 × 13 / 12 = € 663,54")
    tax = str(line(lines, "BghU")["explanation"])
    assert "jaarlijks" in tax and "€ 480,00 / 12 = € 40,00" in tax and "opzij zetten" in tax


def test_one_off_yearly_bill_is_reserved_for() -> None:
    h = a_year()
    h.add(D(2024, 3, 14), -31200, "Eneco", "energie")  # settlement, no series
    h.add(D(2024, 3, 20), 5000, "Eneco", "energie")  # a refund is not reserved for
    h.add(D(2023, 3, 14), -99900, "Interpolis", "verzekeringen")  # over a year ago
    totals, lines = budget(h)
    eneco = line(lines, "Eneco")
    assert eneco["post"] == "reservering" and eneco["source"] == "losse_betalingen"
    assert eneco["monthly_cents"] == 2600 and eneco["tx_count"] == 1
    assert "1 losse betaling zonder vast ritme, op 14-03-2024" in str(eneco["explanation"])
    assert "Interpolis" not in lines["ketenpartner"].to_list()
    assert totals["reservations_cents"] == 4000 + 2600


def test_double_debit_of_a_series_is_not_a_yearly_bill() -> None:
    h = History()
    h.monthly(D(2024, 1, 1), 12, 24, -2621, "Vitens", "water")
    h.add(D(2024, 1, 10), -2621, "Vitens", "water")  # debited twice in the first month
    _, lines = budget(h)
    assert lines.filter(pl.col("post") == "reservering").height == 0


def test_stopped_series_is_left_out_and_a_missing_payment_is_flagged() -> None:
    h = History()
    h.monthly(D(2024, 1, 1), 12, 5, 100000, "UWV", "uitkering")
    h.monthly(D(2024, 1, 1), 9, 22, -3000, "KPN", "telefoon_internet")  # stops after September
    h.monthly(D(2024, 1, 1), 11, 18, -15000, "Eneco", "energie")  # December missing
    h.add(D(2024, 12, 31), -100, "Bank", "overig")
    totals, lines = budget(h, None)
    assert totals["month"] == D(2024, 12, 1)
    assert "KPN" not in lines["ketenpartner"].to_list()
    eneco = line(lines, "Eneco")
    assert eneco["overdue"] is True
    assert "de laatste verwachte betaling ontbreekt" in str(eneco["explanation"])


def test_irregular_income_is_shown_but_not_counted() -> None:
    h = History()
    h.monthly(D(2024, 1, 1), 12, 5, 90000, "UWV", "uitkering")
    for day, cents in ((D(2024, 10, 4), 30000), (D(2024, 11, 29), 12000), (D(2024, 12, 13), 9000)):
        h.add(day, cents, "Tempo-Team", "inkomen")
    h.monthly(D(2024, 1, 1), 12, 1, -50000, "Mitros", "huur")
    totals, lines = budget(h)
    flex = line(lines, "Tempo-Team")
    assert flex["post"] == "wisselend_inkomen"
    assert flex["monthly_cents"] == 17000 and flex["tx_count"] == 3  # 51 000 over 3 months
    assert "niet meegeteld" in str(flex["explanation"])
    assert totals["irregular_income_cents"] == 17000
    assert totals["income_cents"] == 90000
    assert totals["leefgeld_month_cents"] == 40000


def test_rubriek_follows_most_of_the_last_payments() -> None:
    h = History()
    h.monthly(D(2024, 1, 1), 12, 1, -50000, "Mitros", "huur")
    # A coach re-classified one payment only: the series stays huur.
    h.rows[-2]["rubriek"] = "overig"
    _, lines = budget(h)
    assert line(lines, "Mitros")["rubriek"] == "huur"


def test_unrecognised_direct_debit_counts_as_fixed_cost_with_a_warning() -> None:
    h = History()
    h.monthly(D(2024, 1, 1), 12, 5, 90000, "UWV", "uitkering")
    h.monthly(D(2024, 1, 1), 12, 9, -2999, "Basic-Fit", "overig")
    h.monthly(D(2024, 1, 1), 12, 10, 5000, "Vriend", "overig")  # unknown money in: not counted
    totals, lines = budget(h)
    gym = line(lines, "Basic-Fit")
    assert gym["post"] == "vaste_lasten"
    assert "controleer of dit een vaste last is" in str(gym["explanation"])
    assert "Vriend" not in lines["ketenpartner"].to_list()
    assert totals["income_cents"] == 90000


def test_shortfall_stays_negative() -> None:
    h = History()
    h.monthly(D(2024, 1, 1), 6, 5, 50000, "UWV", "uitkering")
    h.monthly(D(2024, 1, 1), 6, 1, -70000, "Mitros", "huur")
    totals, _ = budget(h, D(2024, 6, 1))
    assert totals["leefgeld_month_cents"] == -20000
    assert totals["leefgeld_week_cents"] == -4615
    assert "= € -200,00 per maand" in str(totals["explanation"])


def test_many_households_at_once_match_one_by_one() -> None:
    a, b = a_year(), History("h2")
    b.monthly(D(2024, 1, 1), 12, 25, 150000, "Gemeente", "uitkering")
    b.monthly(D(2024, 1, 1), 12, 1, -60000, "Mitros", "huur")
    both = pl.concat([a.frame(), b.frame()])
    months = {"h1": D(2024, 12, 1), "h2": D(2024, 6, 1)}
    per_household = pl.DataFrame({"household": list(months), "month": list(months.values())})
    totals, lines = budget_frame(both, detect_recurring(both), per_household)
    for h in (a, b):
        alone_totals, alone_lines = budget(h, months[h.household])
        mine = totals.filter(pl.col("household") == h.household).row(0, named=True)
        assert mine == alone_totals
        assert lines.filter(pl.col("household") == h.household).equals(alone_lines)


def test_rubriek_as_text_or_enum_gives_the_same_budget() -> None:
    df = a_year().frame()
    series = detect_recurring(df)
    as_enum = budget_frame(df, series, DECEMBER)
    as_text = budget_frame(df.with_columns(pl.col("rubriek").cast(pl.String)), series, DECEMBER)
    assert as_enum[0].equals(as_text[0]) and as_enum[1].equals(as_text[1])


def test_default_month_is_the_last_complete_one() -> None:
    df = a_year().frame()
    assert df["booking_date"].max() == D(2024, 12, 23)
    assert budget_months(df)["month"].item() == D(2024, 11, 1)
    assert budget_months(df, data_until=D(2024, 12, 31))["month"].item() == D(2024, 12, 1)
    closed = pl.DataFrame({"household": ["h1"], "data_until": [D(2024, 12, 31)]})
    assert budget_months(df, data_until=closed)["month"].item() == D(2024, 12, 1)
    assert budget_months(df, D(2024, 3, 17))["month_end"].item() == D(2024, 3, 31)


def test_household_budget_is_as_it_stood_at_month_end() -> None:
    h = a_year()
    b = household_budget(h.frame(), "h1", D(2024, 6, 1))
    assert b.month == D(2024, 6, 1)
    rent = next(x for x in b.lines if x.ketenpartner == "Portaal")
    assert rent.monthly_cents == 42410 and rent.last_date <= D(2024, 6, 30)
    assert b.norm is None and b.norm_missing is not None and "profiel" in b.norm_missing
    data = b.as_dict()
    assert data["leefgeld"]["month_cents"] == b.leefgeld_month_cents
    assert data["norm"] == {
        "available": False,
        "reason": b.norm_missing,
        "food_only": "alleen voeding: overige Nibud-posten niet gevonden",
    }


def test_household_budget_errors_are_dutch() -> None:
    df = a_year().frame()
    with pytest.raises(NoBudgetData, match="geen transacties in 2025-03"):
        household_budget(df, "h1", D(2025, 3, 1))
    with pytest.raises(NoBudgetData, match="nog geen transacties"):
        household_budget(df, "onbekend")


@given(st.integers(-(10**9), 10**9), st.integers(1, 60), st.integers(1, 60))
def test_half_even_matches_exact_rounding(value: int, numerator: int, denominator: int) -> None:
    got = pl.select(half_even(pl.lit(value, pl.Int64), numerator, denominator)).item()
    expected = round(Fraction(abs(value) * numerator, denominator))  # exact, half to even
    assert got == (expected if value >= 0 else -expected)
