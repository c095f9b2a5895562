"""parse(write(statement)) == statement for every camt.053 version and the ABN AMRO zip."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.camt import write_camt053, write_camt053_zip
from ingest.camt.importer import Camt053Importer, Camt053ZipImporter
from ingest.model import Statement
from tests.ingest.strategies import statements

# A payment from an account to itself does not exist; the reader skips the own IBAN on purpose
# (banks also show the account holder on its own side of RltdPties).
camt_statements = statements().filter(
    lambda s: all(t.counterparty_iban != s.account for t in s.transactions)
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def comparable(statement: Statement) -> Statement:
    """What the format carries: the statement id is generated and lines are positions."""
    return dataclasses.replace(
        statement,
        statement_id=None,
        line=0,
        transactions=tuple(dataclasses.replace(t, line=0) for t in statement.transactions),
    )


@pytest.mark.parametrize("version", ["001.02", "001.04", "001.08"])
@SETTINGS
@given(original=st.lists(camt_statements, min_size=1, max_size=3))
def test_camt053_round_trip(version: str, original: list[Statement]) -> None:
    data = write_camt053(original, version)
    result = Camt053Importer().extract(data, "rt.xml")
    assert result.dialect == f"camt.053.{version}"
    assert not result.problems
    assert [comparable(s) for s in result.statements] == original


@SETTINGS
@given(original=st.lists(camt_statements, min_size=1, max_size=3))
def test_abn_amro_zip_round_trip_recovers_cut_names(original: list[Statement]) -> None:
    # a "/" inside a name could look like the next ABN AMRO field marker; real names have none
    original = [
        dataclasses.replace(
            s,
            transactions=tuple(
                dataclasses.replace(t, counterparty_name=t.counterparty_name.replace("/", "-"))
                if t.counterparty_name
                else t
                for t in s.transactions
            ),
        )
        for s in original
    ]
    data = write_camt053_zip(original)
    result = Camt053ZipImporter().extract(data, "abn.zip")
    assert [comparable(s) for s in result.statements] == original


@pytest.mark.parametrize("version", ["001.02", "001.08"])
@SETTINGS
@given(base=camt_statements, size=st.integers(min_value=2, max_value=5))
def test_batches_round_trip_as_one_entry(version: str, base: Statement, size: int) -> None:
    first = dataclasses.replace(base.transactions[0], batch_id="B-1")
    txs = tuple(
        dataclasses.replace(first, bank_reference=f"R{i}", end_to_end_id=f"E{i}")
        for i in range(size)
    )
    opening = base.opening_balance_cents or 0
    statement = dataclasses.replace(
        base, transactions=txs, closing_balance_cents=opening + sum(t.amount_cents for t in txs)
    )
    data = write_camt053([statement], version)
    assert data.count(b"<Ntry>") == 1
    parsed = Camt053Importer().extract(data, "b.xml").statements[0]
    assert comparable(parsed) == statement
