"""The right to regelingen, niet-gebruik and expected clawbacks in the household facts are,
household by household, what ``hhb entitlements --json`` says; unknown stays null, never 0; and
the regeling tables pass the disclosure control (threshold, dominance of euro sums)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from hhb.cli import main
from reports.aggregates import Level, aggregate
from reports.cube import TOTAL
from reports.disclosure import Use, rules_for
from reports.facts import PENDING, SOURCES, HouseholdFacts, Regeling, build_facts, fill
from reports.facts import regeling_column as col
from reports.facts_regelingen import INVISIBLE, fill_regelingen, rule_name
from reports.tables import MISSED
from store.db import make_engine, session_scope
from tests.reports.attacker import determined_counts_linked
from tests.reports.helpers import demo_database, synthetic_facts

INTERN = rules_for(Use.INTERN)


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    return demo_database(folder, households=4, months=4, seed=5, first=dt.date(2024, 9, 1))


def entitlements(database: Path, code: str, year: int) -> dict[str, Any]:
    result = CliRunner().invoke(
        main,
        ["--db", str(database), "entitlements", "--household", code, "--year", str(year),
         "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def expected_row(out: dict[str, Any], name: str) -> dict[str, object]:
    """The facts one regeling should get, worked out from the command's JSON."""
    (year,) = [r for r in out["regelingen"] if r["regeling"] == name]
    recht, unknown = year["months_recht"], year["months_niet_berekend"]
    eligible = True if recht > 0 else (False if unknown == 0 else None)
    receiving = year["received_year_cents"] > 0
    gemist = {m["regeling"]: m["expected_year_cents"] for m in out["gemist"]}
    missed = True if name in gemist else (False if eligible is False or receiving else None)
    return {
        "eligible": eligible,
        "receiving": receiving,
        "received_year_cents": year["received_year_cents"],
        "entitled_year_cents": year["expected_year_cents"] if year["complete"] else None,
        "missed": missed,
        "missed_year_cents": gemist[name] if missed else (0 if missed is False else None),
    }


def test_facts_are_what_hhb_entitlements_says(world_db: Path) -> None:
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        facts, stats = fill_regelingen(session, build_facts(session, 2024))
    engine.dispose()
    assert stats.households == facts.frame.height >= 4
    assert "hhb entitlements" in facts.sources[col(Regeling.ZORGTOESLAG, "eligible")]
    assert facts.available(col(Regeling.ZORGTOESLAG, "missed"), "expected_clawback_cents")
    assert not facts.available(col(Regeling.KWIJTSCHELDING, "receiving"))
    seen: dict[str, int] = {"missed": 0, "eligible": 0, "unknown": 0, "clawback": 0}
    for row in facts.frame.iter_rows(named=True):
        out = entitlements(world_db, row["household"], 2024)
        for regeling in Regeling:
            name = rule_name(regeling, row["municipality"])
            assert name is not None
            want = expected_row(out, name)
            for field, value in want.items():
                if regeling in INVISIBLE and field != "eligible" and field != "entitled_year_cents":
                    assert row[col(regeling, field)] is None, (regeling, field)
                    continue
                assert row[col(regeling, field)] == value, (row["household"], regeling, field)
            seen["missed"] += want["missed"] is True
            seen["eligible"] += want["eligible"] is True
            seen["unknown"] += want["eligible"] is None
        notes = " ".join(out["notes"])
        if "geen verwachte terugbetaling te berekenen" in notes:
            assert row["expected_clawback_cents"] is None  # unknown, not 0
        else:
            to_pay = sum(c["to_pay_cents"] for c in out["terugbetalingen"])
            assert row["expected_clawback_cents"] == to_pay
            seen["clawback"] += bool(out["terugbetalingen"])
    # the comparison covered missed, entitled and unknown regelingen, not only zeros
    assert seen["missed"] >= 2 and seen["eligible"] >= 4 and seen["unknown"] >= 4
    # huurtoeslag cannot be computed in this world: unknown, never 0
    assert facts.frame[col(Regeling.HUURTOESLAG, "eligible")].null_count() == facts.frame.height
    assert facts.frame[col(Regeling.HUURTOESLAG, "entitled_year_cents")].null_count() > 0


def test_hhb_aggregates_publishes_the_regelingen(world_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    result = CliRunner().invoke(
        main,
        ["--db", str(world_db), "--user", "analist", "aggregates", "--municipality",
         "GM0344", "--year", "2024", "--level", "wijk", "--use", "intern", "--out", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Feiten (leefgeld, signalen, regelingen) van" in result.output
    assert "Niet opgenomen: terugvordering" not in result.output
    assert "Niet opgenomen: regeling_kwijtschelding" not in result.output
    frame = pl.read_csv(out, comment_prefix="#")
    assert {"regeling_zorgtoeslag", "terugvordering", "regeling_kwijtschelding"} <= set(
        frame["tabel"]
    )
    zorg = frame.filter(pl.col("tabel") == "regeling_zorgtoeslag")
    assert "ontvangt: nee, gemist" in " ".join(zorg["klasse"].to_list())
    # two households: every cell that is not empty is hidden, with its reason
    hidden = zorg.filter(pl.col("huishoudens").is_null())
    assert hidden.height > 0 and hidden["reden"].null_count() == 0
    assert set(zorg["huishoudens"].drop_nulls()) <= {0}


# --- disclosure control of the regeling tables, on made-up facts ---------------------------


def regeling_facts(n: int, seed: int, dominant: int | None = None) -> HouseholdFacts:
    """Made-up facts with zorgtoeslag right, receipt and missed filled: every third household
    misses it (€ 1.000 a year), others receive it; ``dominant``: one missed amount that large."""
    frame = synthetic_facts(n, seed, ("WK034401", "WK034402"))
    facts = HouseholdFacts(frame, dict(PENDING), dict(SOURCES))
    i = pl.int_range(pl.len())
    missed = i % 3 == 0
    amount = pl.when(missed).then(pl.lit(100_000, pl.Int64)).otherwise(0)
    if dominant is not None:
        amount = pl.when(i == 0).then(pl.lit(dominant, pl.Int64)).otherwise(amount)
    z = Regeling.ZORGTOESLAG
    update = frame.select("household", "year").with_columns(
        **{
            col(z, "eligible"): pl.lit(True),
            col(z, "receiving"): ~missed,
            col(z, "received_year_cents"): pl.when(missed).then(0).otherwise(120_000),
            col(z, "missed"): missed,
            col(z, "missed_year_cents"): amount,
            col(z, "entitled_year_cents"): pl.lit(120_000, pl.Int64),
        }
    )
    return fill(facts, update, "test")


def gemist_cells(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(
        (pl.col("tabel") == "regeling_zorgtoeslag") & (pl.col("variabele") == "gemist per jaar")
    )


def test_missed_households_and_euros_below_the_threshold_are_hidden() -> None:
    facts = regeling_facts(45, 3)
    result = aggregate(facts, "GM0344", 2024, Level.WIJK, INTERN)
    cells = gemist_cells(result.frame).filter(pl.col("klasse").str.contains(MISSED))
    missed = facts.frame.filter(pl.col(col(Regeling.ZORGTOESLAG, "missed")))
    per_wijk = missed.group_by(pl.col("wijk").fill_null("onbekend")).len()
    checked_hidden = 0
    for wijk, n in per_wijk.iter_rows():
        row = cells.filter(
            (pl.col("wijk") == wijk) & (pl.col("klasse") == f"recht: ja; ontvangt: {MISSED}")
        ).row(0, named=True)
        if n < 10:
            assert row["huishoudens"] is None and row["som"] is None
            assert "minder dan 10" in row["reden"] or "secundair" in row["reden"]
            checked_hidden += 1
        else:
            assert row["huishoudens"] in (n, None)
            if row["huishoudens"] == n:
                assert row["som"] == n * 100_000
    assert checked_hidden >= 1  # the small wijken make the threshold do something
    whole = cells.filter(
        (pl.col("wijk") == TOTAL) & (pl.col("klasse") == f"recht: ja; ontvangt: {MISSED}")
    ).row(0, named=True)
    assert whole["huishoudens"] == missed.height and whole["som"] == missed.height * 100_000
    assert determined_counts_linked(result.frame) == []


def test_one_household_dominating_the_missed_euros_hides_the_sum() -> None:
    facts = regeling_facts(45, 3, dominant=50_000_000)  # € 500.000: far above 30% of the rest
    result = aggregate(facts, "GM0344", 2024, Level.GEMEENTE, INTERN)
    cells = gemist_cells(result.frame)
    whole = cells.filter(pl.col("klasse") == TOTAL).row(0, named=True)
    assert whole["huishoudens"] == 45  # the count is shown ...
    assert whole["som"] is None and "dominantie" in whole["reden"]  # ... the sum is not
    without = gemist_cells(aggregate(regeling_facts(45, 3), "GM0344", 2024, Level.GEMEENTE,
                                     INTERN).frame)  # fmt: skip
    assert without.filter(pl.col("klasse") == TOTAL)["som"][0] == 15 * 100_000


@pytest.mark.parametrize(
    ("households", "wijken"),
    [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)],
)
@pytest.mark.parametrize("use", [Use.INTERN, Use.PUBLICATIE])
def test_a_tiny_world_is_suppressed_never_an_error(households: int, wijken: int, use: Use) -> None:
    """1-3 households in 1-3 wijken (the demo world, a very small municipality): the wijk
    export hides what it must, and never fails."""
    names = tuple(f"WK0344{i:02d}" for i in range(1, wijken + 1))
    frame = synthetic_facts(households, 11, names).with_columns(
        pl.Series("wijk", [names[i % wijken] for i in range(households)])
    )
    facts = regeling_facts_from(frame)
    result = aggregate(facts, "GM0344", 2024, Level.WIJK, rules_for(use))
    out = result.frame
    assert out.height > 0
    # nothing about fewer than the minimum is shown: only zeros (empty cells) survive
    assert set(out["huishoudens"].drop_nulls()) <= {0}
    assert out["som"].drop_nulls().len() == 0
    hidden = out.filter(pl.col("status_huishoudens") == "onderdrukt")
    assert hidden.height > 0 and hidden["reden"].null_count() == 0
    assert determined_counts_linked(out) == []


def regeling_facts_from(frame: pl.DataFrame) -> HouseholdFacts:
    facts = HouseholdFacts(frame, dict(PENDING), dict(SOURCES))
    z = Regeling.ZORGTOESLAG
    update = frame.select("household", "year").with_columns(
        **{
            col(z, "eligible"): pl.lit(True),
            col(z, "receiving"): pl.lit(False),
            col(z, "received_year_cents"): pl.lit(0, pl.Int64),
            col(z, "missed"): pl.lit(True),
            col(z, "missed_year_cents"): pl.lit(100_000, pl.Int64),
            "expected_clawback_cents": pl.lit(0, pl.Int64),
        }
    )
    return fill(facts, update, "test")
