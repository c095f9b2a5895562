"""The rules of DOMAIN.md section 6 as a user of the aggregates meets them: which cells are shown,
which are hidden and why, rounding for publication, percentages, dominance."""

from __future__ import annotations

import polars as pl
import pytest

from reports.cube import TOTAL
from reports.disclosure import Use, round_count, rules_for
from tests.reports.helpers import protect_records, rows_of

INTERN = rules_for(Use.INTERN)


def households(**per_wijk: int) -> pl.DataFrame:
    wijk = [w for w, n in per_wijk.items() for _ in range(n)]
    return pl.DataFrame({"wijk": wijk, "inkomen": [100_000 + 7 * i for i in range(len(wijk))]})


def statuses(table: pl.DataFrame) -> dict[str, str]:
    return dict(zip(table["wijk"], table["status_huishoudens"], strict=True))


@pytest.mark.parametrize(
    ("per_wijk", "hidden_primary", "hidden_secondary"),
    [
        # name: a lonely household; the total minus the big wijk would reveal it
        ({"A": 11, "B": 1}, {"B"}, {"A"}),
        # one small wijk: the smallest other wijk is hidden with it
        ({"A": 20, "B": 3, "C": 12}, {"B"}, {"C"}),
        # two small wijken together are still too few: a third is hidden
        ({"A": 30, "B": 3, "C": 4, "D": 40}, {"B", "C"}, {"A"}),
        # nothing small, nothing hidden
        ({"A": 10, "B": 10}, set(), set()),
        # empty wijken are known zeros: nothing to protect
        ({"A": 15, "B": 0, "C": 12}, set(), set()),
    ],
)
def test_small_wijken_are_hidden_with_a_complement(
    per_wijk: dict[str, int], hidden_primary: set[str], hidden_secondary: set[str]
) -> None:
    records = households(**per_wijk)
    levels = {"wijk": list(per_wijk)}
    table, _ = protect_records(records, ["wijk"], INTERN, levels=levels)
    status = statuses(table)
    hidden = {w for w, s in status.items() if s == "onderdrukt"}
    assert hidden == hidden_primary | hidden_secondary
    assert status[TOTAL] == "gepubliceerd"
    reasons = dict(zip(table["wijk"], table["reden"], strict=True))
    for wijk in hidden_primary:
        assert reasons[wijk] == "te weinig huishoudens (minder dan 10)"
    for wijk in hidden_secondary:
        assert reasons[wijk].startswith("secundair: anders is wijk ")
        assert "afleidbaar uit marge wijk totaal" in reasons[wijk]
    shown = table.filter(pl.col("status_huishoudens") == "gepubliceerd")
    for wijk, n in zip(shown["wijk"], shown["huishoudens"], strict=True):
        expected = sum(per_wijk.values()) if wijk == TOTAL else per_wijk[wijk]
        assert n == expected


def test_a_reason_never_states_the_hidden_number() -> None:
    table, _ = protect_records(households(A=40, B=3), ["wijk"], INTERN)
    text = " ".join(r for r in table["reden"].to_list() if r)
    assert "3" not in text.replace("minder dan 10", "")


def test_dominating_household_hides_the_sum_but_not_the_count() -> None:
    records = pl.DataFrame(
        {"wijk": ["A"] * 20 + ["B"] * 20, "inkomen": [1_000_000_00] + [2_000_000] * 39}
    )
    table, _ = protect_records(records, ["wijk"], INTERN, values=["inkomen"])
    by_wijk = {r["wijk"]: r for r in table.iter_rows(named=True)}
    assert by_wijk["A"]["huishoudens"] == 20
    assert by_wijk["A"]["som"] is None and by_wijk["A"]["gemiddelde"] is None
    assert "dominantie" in by_wijk["A"]["reden"]
    # The total is dominated by the same household: hidden too, so B's sum cannot recover A's.
    assert by_wijk[TOTAL]["som"] is None
    assert by_wijk["B"]["som"] == 20 * 2_000_000
    assert by_wijk["B"]["gemiddelde"] == by_wijk["B"]["mediaan"] == 2_000_000


def test_negative_values_dominate_through_the_absolute_sum() -> None:
    gaps = [-50_000_00] + [1_000] * 19
    table, _ = protect_records(
        pl.DataFrame({"wijk": ["A"] * 20, "tekort": gaps}), ["wijk"], INTERN, values=["tekort"]
    )
    assert table.filter(pl.col("wijk") == "A")["status_waarde"].item() == "onderdrukt"


def test_sums_need_enough_observations() -> None:
    rules = rules_for(Use.INTERN, min_observations=15)
    records = households(A=12, B=30)
    table, _ = protect_records(records, ["wijk"], rules, values=["inkomen"])
    a = table.filter(pl.col("wijk") == "A").row(0, named=True)
    assert a["huishoudens"] == 12 and a["som"] is None
    assert a["reden"] == "waarde: te weinig waarnemingen (minder dan 15)"
    # A's sum is hidden, so B's must be too (or the total minus B gives A).
    b = table.filter(pl.col("wijk") == "B").row(0, named=True)
    assert b["som"] is None and b["reden"].startswith("waarde: secundair")


@pytest.mark.parametrize(
    ("n", "shown"), [(0, 0), (49, 0), (50, 100), (149, 100), (150, 200), (1234, 1200)]
)
def test_publication_rounds_counts_to_hundreds(n: int, shown: int) -> None:
    assert round_count(n, 100) == shown
    assert round_count(n, None) == n


def test_publication_rules_hide_cells_under_a_hundred_and_round_the_rest() -> None:
    rules = rules_for(Use.PUBLICATIE)
    table, _ = protect_records(households(A=1234, B=99, C=180), ["wijk"], rules)
    status = statuses(table)
    assert status["B"] == "onderdrukt" and status["C"] == "onderdrukt"
    shown = dict(zip(table["wijk"], table["huishoudens"], strict=True))
    assert shown["A"] == 1200 and shown[TOTAL] == 1500


def test_percentages_need_a_large_enough_denominator() -> None:
    records = pl.DataFrame(
        {
            "wijk": ["A"] * 60 + ["B"] * 150,
            "type": (["x"] * 30 + ["y"] * 30) + (["x"] * 100 + ["y"] * 50),
        }
    )
    rules = rules_for(Use.INTERN, min_denominator=100)
    table, _ = protect_records(records, ["wijk", "type"], rules, share_within=["wijk"])
    cells = {(r["wijk"], r["type"]): r for r in table.iter_rows(named=True)}
    assert cells[("A", "x")]["percentage"] is None
    assert "noemer kleiner dan 100" in cells[("A", "x")]["reden"]
    assert cells[("B", "x")]["percentage"] == pytest.approx(66.7)
    assert cells[("B", TOTAL)]["status_percentage"] == "n.v.t."
    assert cells[(TOTAL, "y")]["percentage"] == pytest.approx(38.1)


def test_count_rows_of_a_value_table_agree_with_the_count_only_table() -> None:
    records = households(A=25, B=4, C=30)
    with_value, _ = protect_records(records, ["wijk"], INTERN, values=["inkomen"])
    count_only, _ = protect_records(records, ["wijk"], INTERN)
    columns = ["wijk", "huishoudens", "status_huishoudens"]
    assert rows_of(with_value, None).select(columns).equals(count_only.select(columns))
