"""The cheaper paths of classification give exactly what the general ones give, on a small bulk
demo world: the registry's text patterns (one polars call for few rows, one ``extract`` per
pattern for many, against the contains-then-extract loop they replace), the code lookups of the
heuristics (tables indexed by code against hashing; packed links against joins), codes from
runs against codes per row, packed distinct rows against the frame path, and one household at
a time (the pair cache of the overview) against the whole table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

import budget.classify as classify_module
from budget import classify_heuristics, classify_pairs, classify_picks, classify_sources
from budget.categories import Rubriek
from budget.classify import CLASSIFICATION_SCHEMA, Rule, RuleMatch, classify, rules_frame
from budget.classify_heuristics import LINK
from budget.classify_pairs import Codes, RowKeys
from budget.classify_picks import Picks, distinct_rows, distinct_rows_by_join
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


def test_weekly_groups_by_packed_codes_and_by_join_agree(
    world: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Weekly transfers (the bulk world has none without the word leefgeld): four or more a
    week apart, too few, too far apart, and without a household (joins nothing)."""
    paid = world.filter(
        (pl.col("amount_cents") < 0) & pl.col("counterparty_iban").is_not_null()
    ).head(1)
    start = dt.date(2024, 2, 1)

    def series(iban: str, count: int, days: int, household: str | None) -> list[pl.DataFrame]:
        return [
            paid.with_columns(
                pl.lit(start + dt.timedelta(days=days * i)).alias("booking_date"),
                pl.lit(iban).alias("counterparty_iban"),
                pl.lit("S. de Vries").alias("counterparty_name"),
                pl.lit(f"week {i}").alias("description"),
                pl.lit(household, pl.String).alias("household"),
                pl.lit(f"{iban}-{i}").alias("tx_key"),
            )
            for i in range(count)
        ]

    household = paid.get_column("household")[0]
    extra = [
        *series("NL02ABNA0123456789", 5, 7, household),
        *series("NL02ABNA0123456790", 3, 7, household),
        *series("NL02ABNA0123456791", 5, 30, household),
        *series("NL02ABNA0123456792", 5, 7, None),
    ]
    table = pl.concat([world, *extra])
    packed = classify(table, []).select(OUT)
    assert (packed.get_column("rule_id") == "leefgeld:wekelijks").sum() == 5
    monkeypatch.setattr(classify_heuristics, "PACKED_CODES", 0)
    assert_frame_equal(classify(table, []).select(OUT), packed)


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


def test_codes_from_runs_equal_the_codes_per_row(
    world: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run starts looked up and repeated give every row its own code: null apart from "", a
    value in two runs the same code, and the per-row path for columns without long runs."""
    runs = pl.Series(["A"] * 9 + [None] * 9 + [""] * 9 + ["B"] * 9 + ["A"] * 9 + [None] * 9)
    households = world.get_column("household")
    shuffled = households.sample(fraction=1.0, shuffle=True, seed=3)
    monkeypatch.setattr(classify_pairs, "RUN_ROWS", 0)  # short columns too
    for share in (classify_pairs.RUN_SHARE, 10**9):  # run starts / always per row
        monkeypatch.setattr(classify_pairs, "RUN_SHARE", share)
        for values in (runs, households, world.get_column("account"), shuffled):
            codes = Codes(pl.Schema({c: pl.String for c in classify_pairs.KEY_COLUMNS}))
            from_runs = codes.runs(values)
            assert from_runs.dtype == np.uint64
            assert np.array_equal(from_runs, codes(values))
    codes = Codes(pl.Schema({c: pl.String for c in classify_pairs.KEY_COLUMNS}))
    found = codes.runs(runs)
    assert found[9] == 0 and found[18] > 0 and found[0] == found[-10] != found[27]


def test_packed_distinct_rows_equal_the_frame_path(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    n = 5_000
    texts = pl.Series(rng.choice(["ZORGTOESLAG 2024", "AOW", "", "aow"], n)).scatter(
        rng.choice(n, 300, replace=False), None
    )
    keys = pl.DataFrame(
        {
            "_pair": rng.integers(-3, 40, n),
            "_pick": pl.Series(rng.integers(0, 3, n), dtype=pl.Int8),
            "_gid": pl.Series(rng.integers(-1, 5, n)).replace(-1, None).cast(pl.Int32),
            "_neg": rng.random(n) < 0.5,
            "_text": texts,
        }
    )
    floats = keys.with_columns(pl.col("_pair").cast(pl.Float64))  # not packed
    monkeypatch.setattr(classify_picks, "PACK_ROWS", 0)  # few rows packed too
    for frame in (keys, keys.head(0), keys.head(1), floats):
        want_unique, want_which = distinct_rows_by_join(frame)
        unique, which = distinct_rows(frame)
        assert_frame_equal(unique, want_unique)
        assert which.dtype == np.int64 and np.array_equal(which, want_which)
    assert distinct_rows(keys)[0].height > 100
    monkeypatch.setattr(classify_picks, "PACK_LIMIT", 16)  # too wide to pack: frame path
    assert_frame_equal(distinct_rows(keys)[0], distinct_rows_by_join(keys)[0])


def test_linked_rows_equal_the_join(monkeypatch: pytest.MonkeyPatch) -> None:
    """The packed ``is_in`` and its join fallback against an inner join with the links, in
    both directions, with missing codes (0) that link nothing."""
    rng = np.random.default_rng(5)
    n = 4_000

    def codes(top: int) -> np.ndarray:
        return rng.integers(0, top, n).astype(np.uint64)

    keys = RowKeys(np.zeros(n, dtype=np.int64), codes(4), codes(6), codes(6))
    rows = np.sort(rng.choice(n, 1_500, replace=False)).astype(np.int64)
    links = classify_heuristics.distinct_links(keys, rng.choice(n, 200, replace=False))
    assert links.null_count().sum_horizontal()[0] > 0  # some links miss a code
    sub = classify_heuristics.link_keys(keys, rows).with_row_index("_i")
    for columns, link_columns in (
        (LINK, LINK),
        (LINK, ["h", "i", "a"]),
        (["h", "i"], ["h", "a"]),
    ):
        joined = sub.join(links, left_on=columns, right_on=link_columns)
        want = np.zeros(len(rows), dtype=np.bool_)
        want[joined.get_column("_i").to_numpy()] = True
        assert 0 < want.sum() < len(rows)
        for packed in (classify_heuristics.PACKED_CODES, 0):  # packed / join fallback
            monkeypatch.setattr(classify_heuristics, "PACKED_CODES", packed)
            found = classify_heuristics.linked(keys, rows, columns, links, link_columns)
            assert np.array_equal(found, want)


def test_has_rubriek_reads_the_current_candidate(whole: pl.DataFrame) -> None:
    table = whole.select(OUT).unique(maintain_order=True)
    rng = np.random.default_rng(4)
    choice = rng.integers(0, table.height, 500).astype(np.int64)
    picks = Picks(table, choice, np.zeros(500, dtype=np.int8))
    idx = np.arange(0, 500, 3, dtype=np.int64)
    for rubriek in ("leefgeld", "overig", "geen"):
        want = (picks.current(idx).get_column("rubriek") == rubriek).to_numpy()
        assert np.array_equal(picks.has_rubriek(idx, rubriek), want)
    assert picks.has_rubriek(idx, "leefgeld").any()
