"""The municipality's aggregates: every table only through disclosure control, tables that
protect each other, gemeente and wijk exports that agree, and tables of modules still being
built left out with their reason."""

from __future__ import annotations

import polars as pl
import pytest

from budget.signals import SignalKind
from reports.aggregates import EXPORT_SCHEMA, Level, aggregate
from reports.cube import TOTAL
from reports.disclosure import Use, rules_for
from reports.facts import PENDING, SOURCES, HouseholdFacts, fill, signal_column
from tests.reports.attacker import determined_cells, determined_counts_linked
from tests.reports.helpers import synthetic_facts

INTERN = rules_for(Use.INTERN)


def facts_of(
    n: int, seed: int, wijken: tuple[str, ...] = ("WK034401", "WK034402")
) -> HouseholdFacts:
    return HouseholdFacts(synthetic_facts(n, seed, wijken), dict(PENDING), dict(SOURCES))


WIJKEN = ("WK034401", "WK034402", "WK034403", "WK034404")


@pytest.mark.parametrize(
    ("n", "seed", "k"),
    [
        (70, 1, 10),
        (70, 2, 10),
        # here one table hides a wijk's total as a complement that the others would show
        (40, 0, 5),
    ],
)
def test_an_area_total_has_one_status_in_every_table(n: int, seed: int, k: int) -> None:
    rules = rules_for(Use.INTERN, min_households=k, min_observations=k)
    out = aggregate(facts_of(n, seed, WIJKEN[:3]), "GM0344", 2024, Level.WIJK, rules).frame
    totals = out.filter(pl.col("klasse") == TOTAL).unique(["tabel", "wijk"])
    per_area = totals.group_by("wijk").agg(pl.col("status_huishoudens").n_unique().alias("k"))
    assert per_area["k"].max() == 1
    hidden = totals.filter(pl.col("status_huishoudens") == "onderdrukt")["wijk"].unique()
    assert hidden.len() >= 1  # the small wijken: the test would prove nothing without them
    assert determined_counts_linked(out) == []


@pytest.mark.parametrize(
    ("n", "seed", "k", "wijken"),
    [
        (80, 1, 10, 4),
        (80, 2, 10, 4),
        (80, 3, 10, 4),
        # two tables reveal different combinations of the hidden wijk totals here
        (90, 17, 3, 5),
    ],
)
def test_no_hidden_count_follows_from_all_tables_together(
    n: int, seed: int, k: int, wijken: int
) -> None:
    rules = rules_for(Use.INTERN, min_households=k, min_observations=k)
    names = tuple(f"WK0344{i:02d}" for i in range(1, wijken + 1))
    out = aggregate(facts_of(n, seed, names), "GM0344", 2024, Level.WIJK, rules).frame
    assert out.filter(pl.col("status_huishoudens") == "onderdrukt").height > 0
    assert determined_counts_linked(out) == []
    for (table, variable), rows in out.filter(pl.col("variabele").is_not_null()).group_by(
        "tabel", "variabele"
    ):
        found = determined_cells(rows, ["wijk", "klasse"], "som", "status_waarde")
        assert found == [], (table, variable)


@pytest.mark.parametrize(
    ("n", "seed", "k"),
    [
        (90, 7, 10),
        # here the wijk cells alone would ask to hide a gemeente cell the gemeente export shows
        (40, 7, 3),
    ],
)
def test_gemeente_rows_of_a_wijk_export_are_the_gemeente_export(n: int, seed: int, k: int) -> None:
    facts = facts_of(n, seed, WIJKEN)
    rules = rules_for(Use.INTERN, min_households=k, min_observations=k)
    gemeente = aggregate(facts, "GM0344", 2024, Level.GEMEENTE, rules).frame
    wijk = aggregate(facts, "GM0344", 2024, Level.WIJK, rules).frame
    columns = ["tabel", "klasse", "variabele", "huishoudens", "som", "mediaan", "reden"]
    inside = wijk.filter(pl.col("wijk") == TOTAL).select(columns)
    assert inside.sort(columns, nulls_last=True).equals(
        gemeente.select(columns).sort(columns, nulls_last=True)
    )
    # and the two together reveal no hidden count of the wijk export
    both = pl.concat([wijk, gemeente.with_columns(pl.lit("x").alias("_"))], how="diagonal")
    assert determined_counts_linked(both.drop("_").unique(["tabel", "wijk", "klasse"])) == []


@pytest.mark.parametrize(
    ("n", "seed", "k", "level"),
    [
        # one table hides a wijk's total as a complement that the others would show
        (40, 0, 5, Level.WIJK),
        # two tables reveal different combinations of the hidden wijk totals
        (90, 17, 3, Level.WIJK),
        (40, 7, 3, Level.GEMEENTE),
    ],
)
def test_one_theme_has_exactly_the_rows_of_the_full_export(
    n: int, seed: int, k: int, level: Level
) -> None:
    facts = facts_of(n, seed, WIJKEN)
    rules = rules_for(Use.INTERN, min_households=k, min_observations=k)
    full = aggregate(facts, "GM0344", 2024, level, rules)
    assert full.frame.filter(pl.col("status_huishoudens") == "onderdrukt").height > 0
    names = full.frame["tabel"].unique(maintain_order=True).to_list()
    assert len(names) >= 3
    for chosen in [[name] for name in names] + [names[1:3]]:
        part = aggregate(facts, "GM0344", 2024, level, rules, tables=chosen)
        assert part.frame.equals(full.frame.filter(pl.col("tabel").is_in(chosen))), chosen
        for key in ("onderdrukte_cellen", "tabellen", "onderdrukt_per_tabel"):
            whole, mine = full.metadata[key], part.metadata[key]
            if isinstance(whole, dict):
                assert mine == {t: whole[t] for t in chosen}, key
            else:
                assert isinstance(whole, list)
                assert mine == [x for x in whole if x["tabel"] in chosen], key


def test_a_theme_names_its_left_out_tables_and_unknown_tables_are_refused() -> None:
    facts = facts_of(40, 1)
    part = aggregate(facts, "GM0344", 2024, Level.GEMEENTE, INTERN, tables=["leefgeld"])
    assert part.frame.height == 0 and part.metadata["tabellen"] == []
    assert [t["tabel"] for t in part.metadata["niet_beschikbaar"]] == ["leefgeld"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="onbekende tabel: bestaat_niet"):
        aggregate(facts, "GM0344", 2024, Level.GEMEENTE, INTERN, tables=["bestaat_niet"])


def test_publication_rounds_and_hides_below_a_hundred() -> None:
    facts = facts_of(700, 3, WIJKEN)
    out = aggregate(facts, "GM0344", 2024, Level.WIJK, rules_for(Use.PUBLICATIE)).frame
    shown = out.filter(pl.col("huishoudens").is_not_null())["huishoudens"]
    assert shown.len() > 0 and all(n % 100 == 0 for n in shown)
    sums = out.filter(pl.col("som").is_not_null())
    assert sums.height > 0
    # every published mean comes from a cell with at least 100 households
    assert sums["huishoudens"].min() >= 100  # type: ignore[operator]


def test_tables_of_modules_still_being_built_are_left_out_with_their_reason() -> None:
    result = aggregate(facts_of(40, 1), "GM0344", 2024, Level.GEMEENTE, INTERN)
    tables = set(result.frame["tabel"])
    assert {"huishoudens", "inkomen", "regeling_zorgtoeslag", "regeling_bijstand"} <= tables
    listed = result.metadata["niet_beschikbaar"]
    assert isinstance(listed, list)
    left_out = {i["tabel"]: i["reden"] for i in listed}
    assert set(left_out) == {
        "inkomen_sociaal_minimum",
        "leefgeld",
        "regeling_kwijtschelding",
        "terugvordering",
        "signalen",
        *(f"signalen_{kind.value}" for kind in SignalKind),
    }
    assert all(reason.startswith("nog niet beschikbaar") for reason in left_out.values())
    assert not tables & set(left_out)


def test_a_filled_column_brings_its_table() -> None:
    facts = facts_of(40, 1)
    update = facts.frame.select(
        "household", "year", (pl.col("members") % 3).cast(pl.Int32).alias("open_signals")
    )
    result = aggregate(
        fill(facts, update, "budget.signals"), "GM0344", 2024, Level.GEMEENTE, INTERN
    )
    signals = result.frame.filter(pl.col("tabel") == "signalen")
    assert set(signals["klasse"]) == {"ja", "nee", "onbekend", TOTAL}
    total = signals.filter(pl.col("klasse") == TOTAL).row(0, named=True)
    assert total["som"] == update["open_signals"].sum() and total["eenheid"] == "aantal"


def test_leefgeld_below_the_minimum_per_wijk_through_the_disclosure_control() -> None:
    facts = facts_of(120, 4, WIJKEN[:3])
    frame = facts.frame
    gap = (pl.int_range(pl.len()) % 5 - 2) * 10_000  # -20 000 .. 20 000: two in five short
    update = frame.select("household", "year").with_columns(
        leefgeld_month_cents=pl.lit(30_000, pl.Int64) + gap,
        leefgeld_gap_month_cents=gap,
        below_minimum=gap < 0,
    )
    filled = fill(facts, update, "budget.plan")
    result = aggregate(filled, "GM0344", 2024, Level.WIJK, INTERN)
    table = result.frame.filter(pl.col("tabel") == "leefgeld")
    left_out = result.metadata["niet_beschikbaar"]
    assert isinstance(left_out, list) and "leefgeld" not in {i["tabel"] for i in left_out}
    counts = table.unique(["wijk", "klasse"])
    whole = counts.filter((pl.col("wijk") == TOTAL) & (pl.col("klasse") == "ja")).row(0, named=True)
    assert whole["huishoudens"] == update["below_minimum"].sum()
    per_wijk = (
        frame.with_columns(below=update["below_minimum"])
        .group_by(pl.col("wijk").fill_null("onbekend"))
        .agg(pl.col("below").sum())
    )
    for wijk, below in per_wijk.iter_rows():
        row = counts.filter((pl.col("wijk") == wijk) & (pl.col("klasse") == "ja"))
        shown = row["huishoudens"][0]
        # shown exactly, or hidden with its reason: never another number
        assert shown == below or (shown is None and row["reden"][0]), wijk
    # the small wijk must make the control do something: else this proves nothing
    assert counts.filter(pl.col("status_huishoudens") == "onderdrukt").height > 0
    gaps = table.filter(pl.col("variabele") == "leefgeld min Nibud-minimum per maand")
    total = gaps.filter((pl.col("wijk") == TOTAL) & (pl.col("klasse") == TOTAL)).row(0, named=True)
    assert total["som"] == gap_sum(update) and total["eenheid"] == "cent"
    assert determined_counts_linked(result.frame) == []


def gap_sum(update: pl.DataFrame) -> int:
    return int(update["leefgeld_gap_month_cents"].sum())


def test_open_signals_per_kind_are_a_table_each() -> None:
    facts = facts_of(60, 5)
    i = pl.int_range(pl.len())
    kinds = {signal_column(k): ((i + n) % (n + 2) == 0).cast(pl.Int32) for n, k in
             enumerate(SignalKind)}  # fmt: skip
    update = facts.frame.select("household", "year").with_columns(**kinds)
    update = update.with_columns(open_signals=pl.sum_horizontal(list(kinds)))
    result = aggregate(fill(facts, update, "budget.signals"), "GM0344", 2024, Level.GEMEENTE,
                       INTERN)  # fmt: skip
    for kind in SignalKind:
        rows = result.frame.filter(pl.col("tabel") == f"signalen_{kind.value}")
        yes = rows.filter(pl.col("klasse") == "ja")["huishoudens"][0]
        expected = int((update[signal_column(kind)] > 0).sum())
        assert yes == expected or (yes is None and expected < 10), kind
    missing = result.frame.filter(pl.col("tabel") == "signalen_payment_missing")
    assert set(missing["kenmerk"]) == {"open signaal: verwachte betaling ontbreekt"}


def test_export_schema_has_no_household_columns() -> None:
    result = aggregate(facts_of(40, 1), "GM0344", 2024, Level.WIJK, INTERN)
    assert dict(result.frame.schema) == EXPORT_SCHEMA
    text = result.frame.write_csv()
    assert "T1-" not in text and "household" not in text
