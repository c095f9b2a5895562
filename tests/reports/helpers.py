"""Protect a small table of households in one call, the way the aggregates do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from reports.cube import cube, value_cells
from reports.disclosure import Protected, Rules, protect
from reports.published import published


def levels_of(records: pl.DataFrame, dims: Sequence[str]) -> dict[str, list[str]]:
    return {d: sorted(set(records[d].to_list())) for d in dims}


def protect_records(
    records: pl.DataFrame,
    dims: Sequence[str],
    rules: Rules,
    values: Sequence[str] = (),
    levels: Mapping[str, Sequence[str]] | None = None,
    share_within: Sequence[str] = (),
) -> tuple[pl.DataFrame, Protected]:
    """(published rows, protection) of the table over ``dims`` with all margins."""
    frame = cube(records, dims, levels or levels_of(records, dims), values)
    counts = value_cells(frame, dims, None)
    cells = {v: value_cells(frame, dims, v) for v in values}
    result = protect(counts, cells, dims, rules)
    return published(counts, cells, result, rules, share_within=share_within), result


def rows_of(table: pl.DataFrame, value: str | None) -> pl.DataFrame:
    """The rows of one value (or the count rows of a count-only table)."""
    if value is None:
        return table.unique(
            subset=[c for c in table.columns if c not in _VALUE], keep="first", maintain_order=True
        )
    return table.filter(pl.col("variabele") == value)


_VALUE = ("variabele", "som", "gemiddelde", "mediaan", "status_waarde", "reden")


def synthetic_facts(
    n: int, seed: int, wijken: Sequence[str] = ("WK034401", "WK034402")
) -> pl.DataFrame:
    """Made-up household facts for tests (never real data): a few wijken of uneven size, some
    households without a wijk, incomes, and zorgtoeslag/bijstand received."""
    import numpy as np

    from reports.facts import FACTS_SCHEMA, HouseholdType

    rng = np.random.default_rng(seed)
    weights = np.array([0.6, 0.3, 0.1][: len(wijken)] + [0.05] * max(0, len(wijken) - 3))
    options = np.array([*wijken, None], dtype=object)
    wijk = rng.choice(options, size=n, p=[*(weights / weights.sum() * 0.95), 0.05])
    types = [t.value for t in HouseholdType]
    income = rng.integers(900_000, 4_500_000, size=n)
    zorg = rng.random(n) < 0.7
    bijstand = rng.random(n) < 0.3
    columns: dict[str, object] = {
        "household": [f"T{seed}-{i}" for i in range(n)],
        "year": [2024] * n,
        "municipality": ["GM0344"] * n,
        "wijk": list(wijk),
        "household_type": [types[i] for i in rng.integers(0, len(types), size=n)],
        "members": rng.integers(1, 5, size=n),
        "children": rng.integers(0, 3, size=n),
        "months_observed": np.where(rng.random(n) < 0.9, 12, 7),
        "net_income_year_cents": income,
        "zorgtoeslag_receiving": zorg,
        "zorgtoeslag_received_year_cents": np.where(zorg, rng.integers(50_000, 280_000, n), 0),
        "bijstand_receiving": bijstand,
        "bijstand_received_year_cents": np.where(bijstand, rng.integers(300_000, 1_600_000, n), 0),
    }
    frame = pl.DataFrame(columns)
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
        for c, t in FACTS_SCHEMA.items()
    )


def demo_database(folder: Path, households: int, months: int, seed: int, first: dt.date) -> Path:
    """A demo world (``hhb.demo``) imported through the normal paths into SQLite."""
    from hhb.demo.files import write_world
    from hhb.demo.load import load_world
    from store.db import make_engine, migrate

    world = write_world(
        folder, households=households, months=months, seed=seed, first=first, workers=1
    )
    database = folder / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    load_world(engine, folder, world.codes, "test")
    engine.dispose()
    return database
