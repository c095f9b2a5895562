"""OFX importer: the pre-decoder, the transaction count check and exact amounts, inline."""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import pytest

from ingest.errors import IngestError
from ingest.ofx import IMPORTERS
from ingest.ofx import reader as ofx_reader
from ingest.ofx.importer import OfxImporter
from ingest.ofx.predecode import looks_like_ofx, predecode
from ingest.ofx.reader import cents

HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    "CHARSET:{charset}\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)


def sgml(transactions: str, charset: str = "1252") -> str:
    return HEADER.format(charset=charset) + (
        "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>EUR<BANKACCTFROM>"
        "<BANKID>RABO<ACCTID>NL93RABO0987654321<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\r\n"
        f"{transactions}</BANKTRANLIST><LEDGERBAL><BALAMT>10.00<DTASOF>20240105</LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n"
    )


def trn(name: str, amount: str = "-1.00", fitid: str = "F1", date: str = "20240102") -> str:
    return (
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{date}<TRNAMT>{amount}<FITID>{fitid}"
        f"<NAME>{name}<MEMO>memo</STMTTRN>\r\n"
    )


def test_exported_and_identified() -> None:
    assert [i.name for i in IMPORTERS] == ["ofx"]
    assert looks_like_ofx(sgml(trn("x")).encode())
    assert looks_like_ofx(b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?><OFX></OFX>')
    assert not looks_like_ofx(b"<?xml version='1.0'?><Document/>")


@pytest.mark.parametrize(
    ("raw", "charset", "expected"),
    [
        ("Café".encode("cp1252"), "1252", "cp1252"),
        ("Café".encode(), "1252", "utf-8"),  # declared cp1252, written as UTF-8
        ("Zoë".encode(), "NONE", "utf-8"),
        ("Zoë".encode("cp1252"), "NONE", "cp1252"),
    ],
)
def test_predecoder_reads_what_was_written_not_what_was_declared(
    raw: bytes, charset: str, expected: str
) -> None:
    data = sgml(trn("NAME")).encode("ascii").replace(b"NAME<MEMO", raw + b"<MEMO")
    data = data.replace(b"CHARSET:1252", f"CHARSET:{charset}".encode())
    decoded = predecode(data, "x.ofx")
    assert decoded.encoding == expected
    assert raw.decode(expected) in decoded.text
    assert decoded.for_ofxparse().isascii()


def test_charset_none_and_mislabelled_utf8_give_the_right_names() -> None:
    for charset in ("NONE", "1252"):
        data = sgml(trn("Zoë Ëlsinga"), charset).encode("utf-8")
        result = OfxImporter().extract(data, "x.ofx")
        assert result.statements[0].transactions[0].counterparty_name == "Zoë Ëlsinga"


def test_ofxparse_warnings_do_not_leak() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OfxImporter().extract(sgml(trn("x")).encode(), "x.ofx")


def test_empty_name_is_recovered_and_reported_not_dropped() -> None:
    data = sgml(trn("Eerste", fitid="A") + trn("", fitid="B") + trn("Derde", fitid="C")).encode()
    result = OfxImporter().extract(data, "x.ofx")
    txs = result.statements[0].transactions
    assert [t.bank_reference for t in txs] == ["A", "B", "C"]
    assert txs[1].counterparty_name is None
    assert [p.line for p in result.problems] == [txs[1].line]
    assert "NAME" in result.problems[0].message


def test_a_count_mismatch_that_cannot_be_explained_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = ofx_reader.run_ofxparse

    def too_many(decoded: Any, file: str) -> Any:
        ofx = real(decoded, file)
        statement = ofx.accounts[0].statement
        statement.transactions.append(statement.transactions[0])
        return ofx

    monkeypatch.setattr(ofx_reader, "run_ofxparse", too_many)
    with pytest.raises(IngestError, match="niet half ingelezen"):
        OfxImporter().extract(sgml(trn("x")).encode(), "x.ofx")


def test_dates_are_taken_as_written_not_shifted_to_utc() -> None:
    data = sgml(trn("x", date="20240102000000[+1:CET]")).encode()
    tx = OfxImporter().extract(data, "x.ofx").statements[0].transactions[0]
    assert tx.booking_date.isoformat() == "2024-01-02"


def test_line_is_the_stmttrn_start_in_the_decoded_text() -> None:
    text = sgml(trn("a", fitid="1") + trn("b", fitid="2"))
    result = OfxImporter().extract(text.encode(), "x.ofx")
    lines = text.splitlines()
    for tx in result.statements[0].transactions:
        assert lines[tx.line - 1].startswith("<STMTTRN>")
    assert result.statements[0].opening_balance_cents is None
    assert result.statements[0].closing_balance_cents == 1000


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("-12.50"), -1250), (Decimal("0.1"), 10), ("-128,45", -12845), ("+7", 700)],
)
def test_amounts_are_exact_cents(value: Decimal | str, expected: int) -> None:
    assert cents(value, "x", 1) == expected


def test_amounts_with_fractions_of_cents_are_refused() -> None:
    with pytest.raises(IngestError, match="centen"):
        cents(Decimal("1.005"), "x", 3)


def test_bad_amount_in_the_file_is_an_ingest_error() -> None:
    with pytest.raises(IngestError):
        OfxImporter().extract(sgml(trn("x", amount="abc")).encode(), "x.ofx")


def test_not_ofx_at_all_is_an_ingest_error() -> None:
    with pytest.raises(IngestError, match="OFX"):
        OfxImporter().extract(b"OFXHEADER:100\r\n\r\nniets", "x.ofx")
