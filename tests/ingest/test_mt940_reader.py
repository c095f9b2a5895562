"""The MT940 envelope, bank detection and errors, on small inline files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.base import detect
from ingest.errors import IngestError
from ingest.model import ExtractResult
from ingest.mt940 import IMPORTERS, bank_of

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest" / "mt940"
GOOD = sorted(
    p for p in DATA.rglob("*.*") if ".bad." not in p.name and not p.name.endswith(".json")
)


def _extract(text: str, name: str = "t.sta") -> ExtractResult:
    data = text.replace("\n", "\r\n").encode()
    return detect(data, name).extract(data, name)


def _error(text: str) -> IngestError:
    with pytest.raises(IngestError) as info:
        _extract(text)
    return info.value


HEAD = ":20:X\n:25:NL20INGB0001234567EUR\n:28C:1\n:60F:C240101EUR100,00\n"


@pytest.mark.parametrize(
    ("text", "bank"),
    [
        (
            "ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV\n:25:517852257\n:60F:C240101EUR1,",
            "ABN AMRO",
        ),
        ("{1:F01INGBNL2AXXXX0000000000}\n{4:\n:20:X\n:25:0001234567\n:60F:C240101EUR1,", "ING"),
        (":940:\n:20:940S\n:25:3456789012\n:60F:C240101EUR1,", "Rabobank"),
        (":20:X\n:25:NL12SNSB0123456789\n:60F:C240101EUR1,", "SNS"),
        (":20:X\n:25:NL09ASNB0987654321\n:60F:C240101EUR1,", "ASN"),
        (":20:X\n:25:NL37RBRB0555666777\n:60F:C240101EUR1,", "RegioBank"),
        (":20:X\n:25:TRIODOSBANK/0390123456\n:60F:C240101EUR1,", "Triodos"),
        (":20:X\n:25:NL45KNAB0234567890\n:60F:C240101EUR1,", "Knab"),
        (":20:X\n:25:NL36BUNQ0111222333\n:60F:C240101EUR1,", "onbekend"),
        (":20:X\n:25:123\n:60F:C240101EUR1,\n:86:/EREF/x//CNTP/a/b/c///REMI/USTD//d/", "ING"),
        ("Datum;Naam;Bedrag\n20240101;x;1,00", None),
    ],
)
def test_bank_from_content(text: str, bank: str | None) -> None:
    assert bank_of(text) == bank


def test_file_name_does_not_matter() -> None:
    data = (DATA / "sns" / "daily.sta").read_bytes()
    assert detect(data, "ING_export.csv").bank == "SNS"


def test_statement_level_86_is_not_part_of_last_transaction() -> None:
    result = _extract(
        HEAD + ":61:2401020102C5,00NTRFNONREF\n:86:/REMI/USTD//eerste/\n"
        ":62F:C240102EUR105,00\n:86:/SUM/0/1/0,00/5,00/\n"
    )
    (tx,) = result.statements[0].transactions
    assert tx.description == "eerste"
    assert tx.line == 5


def test_statements_without_20_and_cr_only_line_ends() -> None:
    text = (
        "ABNANL2A\r940\rABNANL2A\r:25:517852257\r:28:1/1\r:60F:C240101EUR10,00\r"
        ":61:2401020102D1,NTRFNONREF\r:86:/TRTP/SEPA OVERBOEKING/NAME/A/REMI/B\r"
        ":62F:C240102EUR9,00\r-\r"
        "ABNANL2A\r940\rABNANL2A\r:25:517852257\r:28:2/1\r:60F:C240102EUR9,00\r:62F:C240103EUR9,00\r-\r"
    )
    data = text.encode()
    result = detect(data, "x").extract(data, "x")
    assert [s.line for s in result.statements] == [4, 14]
    assert result.statements[0].transactions[0].line == 7
    assert result.statements[0].account == "NL20ABNA0517852257"
    assert result.problems == ()


def test_two_identical_transactions_are_both_kept() -> None:
    line = ":61:2401020102C50,00NTRFNONREF\n:86:/REMI/USTD//Leefgeld/\n"
    result = _extract(HEAD + line + line + ":62F:C240102EUR200,00\n")
    assert [t.amount_cents for t in result.statements[0].transactions] == [5000, 5000]


def test_balance_mismatch_is_a_warning_with_the_closing_line() -> None:
    result = _extract(
        HEAD + ":61:2401020102C5,NTRFNONREF\n:86:/REMI/USTD//x/\n:62F:C240102EUR99,00\n"
    )
    (problem,) = result.problems
    assert problem.line == 7 and "klopt niet" in problem.message


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (":61:2401020102D12.50NTRFNONREF\n:62F:C240102EUR87,50\n", 5, "geen geldig bedrag"),
        (":61:2401020102D,,NTRFNONREF\n:62F:C240102EUR87,50\n", 5, "geen geldig bedrag"),
        (":61:2413020102D12,50NTRFNONREF\n:62F:C240102EUR87,50\n", 5, "geen geldige datum"),
        (":61:2401020102D12,50\n:62F:C240102EUR87,50\n", 5, "transactiecode"),
        (":61:2401020102D12,50NTRFNONREF\n:62F:C240102EUR87.50\n", 6, "geen geldig bedrag"),
        (":61:2401020102D12,50NTRFNONREF\n:86:/REMI/USTD//x", 5, "afgebroken"),
        (":61:2401020102D12,505NTRFNONREF\n:62F:C240102EUR87,50\n", 5, "twee decimalen"),
    ],
)
def test_unreadable_lines_raise_with_line_and_advice(body: str, line: int, words: str) -> None:
    error = _error(HEAD + body)
    assert (error.line, error.file) == (line, "t.sta")
    assert words in error.message and "exporteer" in error.message


def test_utf16_without_bom_and_not_mt940() -> None:
    data = (HEAD + ":62F:C240101EUR100,00\n").encode("utf-16-le")
    with pytest.raises(IngestError, match="tekencodering"):
        IMPORTERS[0].extract(data, "x")
    with pytest.raises(IngestError, match="geen MT940"):
        IMPORTERS[0].extract(b"hello\nworld\n", "x")


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_real_files_give_only_ingest_errors(path: Path, data: st.DataObject) -> None:
    """Truncate and overwrite bytes of a good file: parse or IngestError, nothing else."""
    raw = bytearray(path.read_bytes())
    cut = data.draw(st.integers(min_value=1, max_value=len(raw)))
    raw = raw[:cut]
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[i] = data.draw(st.sampled_from(b":,.DCR0123456789/\n-{}X\x00\xff"))
    for importer in IMPORTERS:
        try:
            result = importer.extract(bytes(raw), "kapot.sta")
        except IngestError as exc:
            assert exc.line >= 1 and exc.message
        else:
            assert all(t.line >= 1 for s in result.statements for t in s.transactions)
