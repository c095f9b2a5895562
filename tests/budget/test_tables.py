"""Monthly tables over many households: totals per source and partner, and saldi that add up."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.categories import RUBRIEKEN
from budget.tables import (
    LINE_SCHEMA,
    SUMMARY_SCHEMA,
    month_balances,
    monthly_tables,
)
from ingest.canonical import TRANSACTION_SCHEMA, tx_key

CLASSIFIED_SCHEMA = TRANSACTION_SCHEMA | {
    "ketenpartner": pl.String,
    "rubriek": pl.Enum(list(RUBRIEKEN)),
    "regeling": pl.String,
    "rule_id": pl.String,
    "reason": pl.String,
}
"""As :data:`budget.classify.CLASSIFIED_SCHEMA` (written out: the tables need only its shape)."""

D = dt.date
A1, A2, B1 = "NL01TEST0000000001", "NL01TEST0000000002", "NL01TEST0000000003"


def tx(
    household: str,
    account: str,
    day: dt.date,
    cents: int,
    rubriek: str,
    partner: str,
    *,
    after: int | None = None,
    opening: int | None = None,
    closing: int | None = None,
    position: int = 1,
) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(CLASSIFIED_SCHEMA)
    row.update(
        household=household,
        account=account,
        booking_date=day,
        amount_cents=cents,
        currency="EUR",
        is_reversal=False,
        balance_after_cents=after,
        opening_balance_cents=opening,
        closing_balance_cents=closing,
        position=position,
        tx_key=tx_key(account, day, cents, position),
        ketenpartner=partner,
        rubriek=rubriek,
        rule_id="test",
        reason="test",
    )
    return row


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CLASSIFIED_SCHEMA, orient="row")


def two_households() -> pl.DataFrame:
    """h1: a managed account with income, rent, energy and leefgeld to an own account where
    groceries are paid; h2: salary, rent, a debt plan; March without any booking."""
    return frame(
        [
            tx("h1", A1, D(2024, 1, 5), 45734, "uitkering", "UWV"),
            tx("h1", A1, D(2024, 1, 20), 12300, "toeslag", "Belastingdienst/Toeslagen"),
            tx("h1", A1, D(2024, 1, 24), 63768, "uitkering", "UWV"),
            tx("h1", A1, D(2024, 1, 1), -42410, "huur", "Portaal", position=0),
            tx("h1", A1, D(2024, 1, 18), -17100, "energie", "Eneco"),
            tx("h1", A1, D(2024, 1, 3), -46016, "leefgeld", "Huishoudboekje"),
            tx("h1", A2, D(2024, 1, 3), 46016, "leefgeld", "Huishoudboekje"),
            tx("h1", A2, D(2024, 1, 9), -3150, "boodschappen", "Albert Heijn"),
            tx("h1", A2, D(2024, 1, 16), -2999, "boodschappen", "Albert Heijn"),
            tx("h1", A2, D(2024, 1, 19), -5000, "contant", "Geldautomaat"),
            tx("h1", A1, D(2024, 2, 1), -42410, "huur", "Portaal"),
            tx("h2", B1, D(2024, 1, 25), 180000, "inkomen", "Bouwbedrijf", opening=10000),
            tx("h2", B1, D(2024, 1, 28), -60000, "huur", "Mitros"),
            tx("h2", B1, D(2024, 2, 10), -5000, "aflossing_schulden", "CJIB"),
            tx("h2", B1, D(2024, 4, 25), 180000, "inkomen", "Bouwbedrijf"),
        ]
    )


def fix_running_balances(df: pl.DataFrame) -> pl.DataFrame:
    """Recompute h1's running balances from an opening of -85,36 on A1 and 0 on A2."""
    opening = pl.when(pl.col("account") == A1).then(-8536).otherwise(0)
    ordered = df.with_row_index("i").sort("account", "booking_date", "position")
    running = ordered.with_columns(
        balance_after_cents=pl.when(pl.col("household") == "h1").then(
            opening + pl.col("amount_cents").cum_sum().over("account")
        )
    )
    return running.sort("i").drop("i")


def test_lines_give_income_by_source_fixed_costs_by_partner_and_spending() -> None:
    tables = monthly_tables(fix_running_balances(two_households()))
    assert dict(tables.lines.schema) == LINE_SCHEMA
    jan = tables.lines.filter((pl.col("household") == "h1") & (pl.col("month") == D(2024, 1, 1)))

    def cell(frame: pl.DataFrame, rubriek: str, partner: str) -> tuple[int, int]:
        row = frame.filter((pl.col("rubriek") == rubriek) & (pl.col("ketenpartner") == partner))
        return row["net_cents"].item(), row["tx_count"].item()

    income = tables.income.filter(pl.col("household") == "h1")
    assert cell(income, "uitkering", "UWV") == (45734 + 63768, 2)
    assert cell(income, "toeslag", "Belastingdienst/Toeslagen") == (12300, 1)
    fixed = tables.fixed_costs.filter(pl.col("household") == "h1")
    assert sorted(fixed.select("month", "ketenpartner", "net_cents").rows()) == [
        (D(2024, 1, 1), "Eneco", -17100),
        (D(2024, 1, 1), "Portaal", -42410),
        (D(2024, 2, 1), "Portaal", -42410),
    ]
    spending = tables.other_spending.filter(pl.col("household") == "h1")
    assert cell(spending, "boodschappen", "Albert Heijn") == (-6149, 2)
    assert cell(spending, "contant", "Geldautomaat") == (-5000, 1)
    leefgeld = tables.leefgeld.filter(pl.col("household") == "h1")
    assert leefgeld.select("in_cents", "out_cents", "net_cents").row(0) == (46016, -46016, 0)
    assert jan["tx_count"].sum() == 10


def test_summary_has_every_month_and_adds_up() -> None:
    tables = monthly_tables(fix_running_balances(two_households()))
    summary = tables.summary
    assert dict(summary.schema) == SUMMARY_SCHEMA
    h2 = summary.filter(pl.col("household") == "h2")
    assert h2["month"].to_list() == [D(2024, m, 1) for m in (1, 2, 3, 4)]
    march = h2.row(2, named=True)
    assert march["net_cents"] == 0 and march["tx_count"] == 0
    assert march["opening_cents"] == march["closing_cents"] == 10000 + 120000 - 5000
    jan = summary.filter(pl.col("household") == "h1").row(0, named=True)
    assert jan["income_cents"] == 45734 + 12300 + 63768
    assert jan["fixed_costs_cents"] == -42410 - 17100
    assert jan["leefgeld_out_cents"] == -46016 and jan["leefgeld_in_cents"] == 46016
    assert jan["other_out_cents"] == -6149 - 5000
    assert jan["opening_cents"] == -8536
    for household, rows in itertools.groupby(
        summary.iter_rows(named=True), lambda r: r["household"]
    ):
        previous = None
        for r in rows:
            assert r["closing_cents"] == r["opening_cents"] + r["net_cents"], household
            if previous is not None:
                assert r["opening_cents"] == previous
            previous = r["closing_cents"]


def test_statement_balances_without_running_balance() -> None:
    """Only the first booking's statement opening and the last one's closing are stated."""
    df = frame(
        [
            tx("h", A1, D(2024, 1, 5), 1000, "inkomen", "X", opening=500, closing=1700),
            tx("h", A1, D(2024, 1, 9), 200, "inkomen", "X", opening=500, closing=1700),
            tx("h", A1, D(2024, 3, 9), -300, "huur", "Y", opening=1700, closing=1400),
        ]
    )
    balances = month_balances(df)
    assert balances.select("month", "opening_cents", "closing_cents").rows() == [
        (D(2024, 1, 1), 500, 1700),
        (D(2024, 2, 1), 1700, 1700),
        (D(2024, 3, 1), 1700, 1400),
    ]
    only_closing = df.with_columns(pl.lit(None, pl.Int64).alias("opening_balance_cents"))
    assert month_balances(only_closing)["closing_cents"].to_list() == [1700, 1700, 1400]


def test_balance_unknown_when_an_account_states_none() -> None:
    df = frame(
        [
            tx("h", A1, D(2024, 1, 5), 1000, "inkomen", "X", after=1000),
            tx("h", A2, D(2024, 1, 6), -100, "boodschappen", "Lidl"),
        ]
    )
    row = month_balances(df).row(0, named=True)
    assert row["opening_cents"] is None and row["closing_cents"] is None


def test_row_order_does_not_matter() -> None:
    df = fix_running_balances(two_households())
    a = monthly_tables(df)
    b = monthly_tables(df.sample(fraction=1.0, shuffle=True, seed=4))
    key = ["household", "month", "rubriek", "ketenpartner"]
    assert a.lines.sort(key).equals(b.lines.sort(key))
    assert a.summary.equals(b.summary)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["h1", "h2"]),
            st.sampled_from([0, 1]),
            st.integers(0, 150),
            st.integers(-50_000, 50_000),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(-100_000, 100_000),
)
def test_closing_is_the_stated_balance_after_the_month(
    bookings: list[tuple[str, int, int, int]], opening: int
) -> None:
    """With a running balance on every booking, each month closes on the balance after its
    last booking (summed over the accounts) and the next month opens there."""
    rows = []
    for position, (household, acct, offset, cents) in enumerate(bookings):
        account = f"{household}-{acct}"
        rows.append(tx(household, account, D(2024, 1, 1) + dt.timedelta(days=offset), cents,
                       "overig", "X", position=position))  # fmt: skip
    df = frame(rows).sort("account", "booking_date", "position")
    df = df.with_columns(
        balance_after_cents=opening + pl.col("amount_cents").cum_sum().over("account")
    )
    summary = monthly_tables(df.sample(fraction=1.0, shuffle=True, seed=1)).summary
    month = pl.col("booking_date").dt.truncate("1mo")
    stated = (
        df.group_by("household", "account", month.alias("month"))
        .agg(pl.col("balance_after_cents").last())
        .sort("month")
    )
    for household, account in stated.select("household", "account").unique().rows():
        of_account = stated.filter(pl.col("account") == account)
        months = summary.filter(pl.col("household") == household)["month"]
        assert of_account["month"].is_in(months.implode()).all()
    for r in summary.iter_rows(named=True):
        accounts = stated.filter(pl.col("household") == r["household"])
        expected = 0
        for account in accounts["account"].unique():
            up_to = accounts.filter(
                (pl.col("account") == account) & (pl.col("month") <= r["month"])
            )
            expected += up_to["balance_after_cents"][-1] if up_to.height else opening
        assert r["closing_cents"] == expected
