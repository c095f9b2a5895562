"""Bulk mode: the Parquet tables equal what importing the same world's bank files stores.

The import of the bank files is the reference (``tests/hhb/test_demo_import.py`` checks it against
the generator's ledger); the bulk table must give the same rows on household, account, booking
date, amount and ``tx_key``, carry at least what each file format could say, add up to the
ledger, and not depend on the number of worker processes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hhb.demo.bulk import part_households, write_bulk
from hhb.demo.cli import demo
from hhb.demo.files import BENEFIT_FILE
from hhb.demo.table import DECISION_SCHEMA, PAYMENT_SCHEMA
from ingest.benefits import parse_benefit_file
from ingest.canonical import TRANSACTION_SCHEMA
from ingest.profile import load_profile
from store.db import session_scope
from store.models import Account, Household, Transaction
from tests.hhb.test_demo_import import build, ledger

FIRST = dt.date(2024, 11, 1)
CARRIED = ("value_date", "counterparty_iban", "counterparty_name", "end_to_end_id", "mandate_id",
           "creditor_id", "bank_transaction_code", "currency", "is_reversal", "description",
           "balance_after_cents")  # fmt: skip
"""Fields that, where an import stores them, must hold the generator's value. Not the statement
balances: Volksbank's MT940 states a balance per day where the bulk table has the month's."""


def table(out: Path, name: str = "transactions") -> pl.DataFrame:
    return pl.read_parquet(out / name / "*.parquet")


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_tables_whatever_the_workers(tmp_path: Path) -> None:
    one = write_bulk(tmp_path / "a", households=9, months=3, seed=5, workers=1, per_part=2)
    two = write_bulk(tmp_path / "b", households=9, months=3, seed=5, workers=2, per_part=2)
    assert one.parts == two.parts == 5
    assert one.transactions == two.transactions == table(tmp_path / "a").height
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert a == b  # byte for byte: parts, benefits, ledger, profiles, manifest
    assert not [name for name in a if "partial" in name]
    assert table(tmp_path / "a").equals(table(tmp_path / "b"))


def test_part_size_depends_on_the_world_only() -> None:
    assert part_households(100_000, 24) == 3_750  # ~1.5 million rows per part
    assert part_households(2_000, 12) == 125  # small worlds: 16 parts, both cores busy
    assert part_households(3, 24) == 1


def test_schema_is_the_canonical_one(tmp_path: Path) -> None:
    write_bulk(tmp_path, households=3, months=2, seed=1, workers=1)
    rows = table(tmp_path)
    assert rows.schema == pl.Schema(TRANSACTION_SCHEMA)
    assert rows["import_id"].null_count() == rows.height
    assert rows["tx_key"].n_unique() == rows.height
    assert table(tmp_path, "benefits/payments").schema == pl.Schema(PAYMENT_SCHEMA)
    assert table(tmp_path, "benefits/decisions").schema == pl.Schema(DECISION_SCHEMA)
    first = rows.filter(pl.col("account") == rows["account"][0])
    assert first["position"].to_list() == list(range(1, first.height + 1))


@pytest.mark.parametrize(("seed", "households", "months"), [(11, 12, 5), (3, 9, 4)])
def test_bulk_table_equals_what_importing_the_bank_files_stores(
    tmp_path: Path, seed: int, households: int, months: int
) -> None:
    engine = build(tmp_path / "files", households=households, months=months, seed=seed,
                   first=FIRST)  # fmt: skip
    write_bulk(tmp_path / "bulk", households=households, months=months, seed=seed, first=FIRST,
               workers=1, per_part=5)  # fmt: skip
    bulk = table(tmp_path / "bulk")
    with session_scope(engine) as session:
        query = (
            select(Household.code, Account.identifier, Transaction)
            .join(Account, Transaction.account_id == Account.id)
            .join(Household, Transaction.household_id == Household.id)
        )
        stored = [(code, account, tx) for code, account, tx in session.execute(query)]
        imported = sorted((c, a, t.booking_date, t.amount_cents, t.tx_key) for c, a, t in stored)
        by_key = {t.tx_key: {f: getattr(t, f) for f in CARRIED} for _, _, t in stored}
    engine.dispose()
    assert any(v["end_to_end_id"] for v in by_key.values())  # the comparison is not vacuous
    columns = ["household", "account", "booking_date", "amount_cents", "tx_key"]
    assert sorted(bulk.select(columns).iter_rows()) == imported
    # What a file carries, the bulk table carries the same; it may know more (see hhb.demo.table).
    for row in bulk.select(["tx_key", *CARRIED]).iter_rows(named=True):
        for name, value in by_key[row["tx_key"]].items():
            assert value is None or value == row[name], (row["tx_key"], name)


def test_tables_add_up_to_the_ledger(tmp_path: Path) -> None:
    write_bulk(tmp_path, households=8, months=6, seed=21, first=FIRST, workers=1, per_part=3)
    sums = (
        table(tmp_path)
        .sort("account", "position")
        .group_by("account", pl.col("booking_date").dt.strftime("%Y-%m").alias("month"))
        .agg(
            in_cents=pl.col("amount_cents").filter(pl.col("amount_cents") > 0).sum(),
            out_cents=pl.col("amount_cents").filter(pl.col("amount_cents") < 0).sum(),
            count=pl.len(),
            opening_cents=pl.col("opening_balance_cents").first(),
            closing_cents=pl.col("closing_balance_cents").last(),
            after=pl.col("balance_after_cents").last(),
        )
    )
    expected = ledger(tmp_path)
    seen = set()
    for row in sums.iter_rows(named=True):
        key = (row["account"], row["month"])
        seen.add(key)
        want = expected[key]
        for name in ("in_cents", "out_cents", "count", "opening_cents", "closing_cents"):
            assert row[name] == want[name], (key, name)
        assert row["after"] == want["closing_cents"], key
    assert {k for k, v in expected.items() if v["count"]} == seen
    with (tmp_path / "ledger.csv").open(encoding="utf-8") as fh:
        assert next(r["household"] for r in csv.DictReader(fh)) == "DEMO-SEED"


def test_profiles_and_benefits_match_the_files_of_file_mode(tmp_path: Path) -> None:
    engine = build(tmp_path / "files", households=4, months=3, seed=8, first=FIRST)
    engine.dispose()
    write_bulk(tmp_path / "bulk", households=4, months=3, seed=8, first=FIRST, workers=1)
    lines = (tmp_path / "bulk" / "profiles.jsonl").read_text(encoding="utf-8").splitlines()
    payments = table(tmp_path / "bulk", "benefits/payments")
    for line in lines:
        code = json.loads(line)["huishouden"]
        profile = load_profile(line.encode("utf-8"), "profiles.jsonl")
        from_yaml = (tmp_path / "files" / code / "profile.yaml").read_bytes()
        assert profile == load_profile(from_yaml, "profile.yaml")
        parsed = parse_benefit_file((tmp_path / "files" / code / BENEFIT_FILE).read_bytes(),
                                    BENEFIT_FILE)  # fmt: skip
        mine = payments.filter(pl.col("household") == code).sort("position")
        assert mine["net_cents"].to_list() == [p.net_cents for p in parsed.payments]
        assert mine["payment_date"].to_list() == [p.payment_date for p in parsed.payments]
    assert len(lines) == 4


def test_stale_parts_of_an_earlier_world_are_removed(tmp_path: Path) -> None:
    write_bulk(tmp_path, households=6, months=1, seed=1, workers=1, per_part=1)
    write_bulk(tmp_path, households=2, months=1, seed=1, workers=1, per_part=1)
    assert len(list((tmp_path / "transactions").iterdir())) == 2
    assert set(table(tmp_path)["household"]) == {"DEMO-SEED", "DEMO-000001"}


def test_generate_parquet_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    result = CliRunner().invoke(demo, ["generate", "--households", "3", "--months", "2",
                                       "--out", str(out), "--parquet", "--workers", "1"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 huishoudens" in result.output and "Parquet" in result.output
    assert not (out / "DEMO-SEED").exists()  # no bank files in bulk mode
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["transacties"] == table(out).height
