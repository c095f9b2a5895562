"""The cheaper paths of classification give exactly what the general ones give, on a small bulk
demo world: the registry's text patterns (one polars call for few rows, one ``extract`` per
pattern for many, against the contains-then-extract loop they replace), the code lookups of the
heuristics (tables indexed by code against hashing), and one household at a time (the pair
cache of the overview) against the whole table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

import budget.classify as classify_module
from budget import classify_heuristics, classify_sources
from budget.categories import Rubriek
from budget.classify import CLASSIFICATION_SCHEMA, Rule, RuleMatch, classify, rules_frame
from budget.classify_rules import active_rules
from budget.classify_sources import first_hits
from hhb.demo.bulk import write_bulk
from ingest.payers import default_registry

OUT = list(CLASSIFICATION_SCHEMA)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """30 households x 14 months of the bulk demo world, in store order."""
    folder: Path = tmp_path_factory.mktemp("bulk")
    write_bulk(folder, households=30, months=14, seed=5, first=dt.date(2024, 1, 1), workers=1)
    return pl.read_parquet(folder / "transactions" / "*.parquet")


@pytest.fixture(scope="module")
def whole(world: pl.DataFrame) -> pl.DataFrame:
    return classify(world, []).select(OUT)


def reference_first_hits(text: pl.Series, patterns: Sequence[str]) -> tuple[np.ndarray, pl.Series]:
    """The loop :func:`first_hits` replaced: ``contains`` on the rows still without a match,
    then ``extract`` on the rows it found."""
    n = len(text)
    which = np.full(n, -1, dtype=np.int32)
    found = pl.repeat(None, n, dtype=pl.String, eager=True)
    pending = np.arange(n, dtype=np.int64)
    for k, pattern in enumerate(patterns):
        candidates = text.gather(pending)
        hit = candidates.str.contains(pattern).fill_null(False).to_numpy().astype(np.bool_)
        where = pending[hit]
        which[where] = k
        found = found.scatter(where, candidates.filter(pl.Series(hit)).str.extract(pattern, 1))
        pending = pending[~hit]
    return which, found


def test_text_patterns_both_paths_agree_with_the_replaced_loop(
    world: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = classify_module._tables(default_registry())
    odd = pl.Series(["", None, "zorgtoeslag 2024 x", "Huurtoeslag-2025", "ww uitkering"])
    descriptions = pl.concat([world.get_column("description").head(6_000), odd])
    groups = [[r.polars_regex for r in rules] for rules in tables.texts.values() if rules]
    groups.append([r.polars_regex for r in tables.standalone])
    matched = 0
    for patterns in groups:
        want_which, want_found = reference_first_hits(descriptions, patterns)
        matched += int((want_which >= 0).sum())
        for small in (0, 10**9):  # one pattern at a time / every pattern in one call
            monkeypatch.setattr(classify_sources, "SMALL", small)
            which, found = first_hits(descriptions, patterns)
            assert np.array_equal(which, want_which)
            assert_series_equal(found, want_found, check_names=False)
    assert matched > 500


def test_few_and_many_rows_paths_classify_the_same(
    world: pl.DataFrame, whole: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    for small in (0, 10**9):
        monkeypatch.setattr(classify_sources, "SMALL", small)
        assert_frame_equal(classify(world, []).select(OUT), whole)


def test_code_tables_and_hashing_classify_the_same(
    world: pl.DataFrame, whole: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert whole.get_column("rule_id").is_in(["eigen_rekening", "leefgeld:rekening"]).sum() > 10
    monkeypatch.setattr(classify_heuristics, "TABLE_CODES", 0)
    monkeypatch.setattr(classify_heuristics, "PACKED_CODES", 0)
    assert_frame_equal(classify(world, []).select(OUT), whole)


def test_one_household_at_a_time_twice_gives_the_whole_tables_rows(
    world: pl.DataFrame, whole: pl.DataFrame
) -> None:
    """The overview classifies one household; the second time its pairs come from the cache."""
    households = world.get_column("household").unique(maintain_order=True).head(4)
    for household in households:
        mask = world.get_column("household") == household
        want = whole.filter(mask)
        one = world.filter(mask)
        assert_frame_equal(classify(one, []).select(OUT), want)
        assert_frame_equal(classify(one, []).select(OUT), want)


def test_a_coach_rule_still_wins_after_the_pairs_were_cached(world: pl.DataFrame) -> None:
    household = world.get_column("household")[0]
    one = world.filter(pl.col("household") == household)
    before = classify(one, [])
    payer = before.filter(pl.col("rule_id").str.starts_with("register:")).row(0, named=True)
    rule = Rule(
        id=7,
        household=household,
        match=RuleMatch.IBAN,
        value=payer["counterparty_iban"],
        rubriek=Rubriek.OVERIG,
        ketenpartner="Door de coach",
        created_by="jdevries",
        created_at=dt.datetime(2024, 3, 12, 10, tzinfo=dt.UTC),
    )
    after = classify(one, [rule])
    ruled = after.filter(pl.col("counterparty_iban") == payer["counterparty_iban"])
    assert ruled.height > 0
    assert ruled.get_column("rule_id").unique().to_list() == ["coach:7"]
    assert ruled.get_column("ketenpartner").unique().to_list() == ["Door de coach"]
    assert_frame_equal(classify(one, []), before)


def test_no_rules_take_the_short_way_to_the_same_empty_table() -> None:
    withdrawn = Rule(
        id=1,
        household="H1",
        match=RuleMatch.IBAN,
        value="NL18INGB5049696021",
        rubriek=Rubriek.OVERIG,
        ketenpartner=None,
        created_by="jdevries",
        created_at=dt.datetime(2024, 3, 12, 10, tzinfo=dt.UTC),
        withdrawn_at=dt.datetime(2024, 4, 1, tzinfo=dt.UTC),
    )
    for frame in (
        rules_frame([]),
        rules_frame([]).with_columns(pl.col("household").cast(pl.Categorical)),
    ):
        full = active_rules(pl.concat([frame, rules_frame([withdrawn]).cast(frame.schema)]))
        assert full.height == 0
        assert_frame_equal(active_rules(frame), full)
