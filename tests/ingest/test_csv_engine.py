"""Small inline tests of the CSV engine: value notations, signs, encodings, order, balances."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.csvbanks import BY_DIALECT
from ingest.csvbanks.details import abn_details, ing_nl_details
from ingest.csvbanks.dialect import DateStyle, format_cents, parse_cents, parse_date_text
from ingest.csvbanks.writer import write_csv
from ingest.errors import IngestError
from ingest.model import ExtractResult
from tests.ingest.strategies import statements

ING_HEADER = (
    '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Code";"Af Bij";"Bedrag (EUR)";'
    '"Mutatiesoort";"Mededelingen";"Saldo na mutatie";"Tag"\r\n'
)


def ing_row(date: str, af_bij: str, amount: str, balance: str, text: str = "") -> str:
    cells = [date, "Test", "NL20INGB0001234567", "", "GT", af_bij, amount, "Online bankieren", text,
             balance, ""]  # fmt: skip
    return ";".join(f'"{c}"' for c in cells) + "\r\n"


def ing(*rows: str) -> ExtractResult:
    return BY_DIALECT["ing-nl"].extract((ING_HEADER + "".join(rows)).encode(), "ing.csv")


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "cents"),
    [
        ("12,50", ",", None, 1250),
        ("-12,5", ",", None, -1250),
        ("+1234,56", ",", None, 123456),
        ("107", ",", None, 10700),
        ("1.234,56", ",", ".", 123456),
        ("-1.234.567,89", ",", ".", -123456789),
        ("12.50", ".", None, 1250),
        ("12.5", ",", None, None),
        ("1.23,45", ",", ".", None),
        ("12,345", ",", None, None),
        ("1e3", ",", None, None),
        ("١٢", ",", None, None),
        ("", ",", None, None),
        ("-", ",", None, None),
    ],
)
def test_parse_cents(text: str, decimal: str, thousands: str | None, cents: int | None) -> None:
    assert parse_cents(text, decimal, thousands) == cents


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_and_parse_cents_are_inverse(cents: int) -> None:
    assert parse_cents(format_cents(cents), ",", None) == cents
    assert parse_cents(format_cents(cents, thousands="."), ",", ".") == cents
    assert parse_cents(format_cents(cents, ".", plus=True), ".", None) == cents


def test_parse_date_text_never_guesses() -> None:
    assert parse_date_text("20240229", DateStyle.YMD8) == dt.date(2024, 2, 29)
    assert parse_date_text("2024-01-02", DateStyle.ISO) == dt.date(2024, 1, 2)
    assert parse_date_text("02-01-2024", DateStyle.DMY) == dt.date(2024, 1, 2)
    assert parse_date_text("2-1-2024", DateStyle.DMY) is None
    assert parse_date_text("20230229", DateStyle.YMD8) is None
    assert parse_date_text("02/01/2024", DateStyle.ISO) is None


def test_af_bij_gives_the_sign_and_newest_first_is_reversed() -> None:
    result = ing(
        ing_row("20240103", "Af", "10,00", "90,00"),
        ing_row("20240102", "Bij", "100,00", "100,00"),
    )
    (statement,) = result.statements
    assert [t.amount_cents for t in statement.transactions] == [10000, -1000]
    assert [t.line for t in statement.transactions] == [3, 2]
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (0, 9000)


def test_same_day_order_follows_the_balance_column() -> None:
    # one day: the dates cannot tell the direction, the running balance can
    result = ing(
        ing_row("20240102", "Bij", "100,00", "100,00"),
        ing_row("20240102", "Af", "10,00", "90,00"),
    )
    assert [t.amount_cents for t in result.statements[0].transactions] == [10000, -1000]
    assert result.problems == ()


def test_a_balance_jump_is_a_warning_with_the_line() -> None:
    result = ing(
        ing_row("20240105", "Af", "10,00", "80,00"),
        ing_row("20240102", "Bij", "100,00", "100,00"),
    )
    assert [(p.line, p.severity) for p in result.problems] == [(2, "warning")]
    assert "ontbreekt er een mutatie" in result.problems[0].message


def test_wrong_af_bij_value_is_an_error() -> None:
    with pytest.raises(IngestError) as exc:
        ing(ing_row("20240102", "Debet", "10,00", "1,00"))
    assert exc.value.line == 2
    assert "'Bij' of 'Af'" in exc.value.message


def test_excel_date_is_an_error_that_names_the_column() -> None:
    with pytest.raises(IngestError, match=r"kolom 'Datum' bevat '2-1-2024'.*jjjjmmdd"):
        ing(ing_row("2-1-2024", "Af", "10,00", "1,00"))


def test_encoding_is_sniffed_between_utf8_and_cp1252() -> None:
    row = ing_row("20240102", "Af", "1,00", "1,00", "Naam: Chloë Omschrijving: café")
    for encoding in ("utf-8", "cp1252", "utf-8-sig"):
        data = (ING_HEADER + row).encode(encoding)
        assert BY_DIALECT["ing-nl"].identify(data)
        tx = BY_DIALECT["ing-nl"].extract(data, "x.csv").statements[0].transactions[0]
        assert tx.description == "café"


def test_bytes_that_are_no_text_are_an_error() -> None:
    data = (ING_HEADER + ing_row("20240102", "Af", "1,00", "1,00")).encode() + b"\x81\x00"
    with pytest.raises(IngestError, match="tekenset"):
        BY_DIALECT["ing-nl"].extract(data, "x.csv")


def test_another_banks_file_is_refused_by_extract() -> None:
    data = write_csv([], "rabobank")
    with pytest.raises(IngestError, match="kolomkop past niet bij een ING-export"):
        BY_DIALECT["ing-nl"].extract(data, "x.csv")


def test_ing_mededelingen_fields() -> None:
    d = ing_nl_details(
        "Naam: Eneco Omschrijving: Termijn IBAN: NL86INGB0002445588 Kenmerk: K 1 Machtiging ID: "
        "M1 Incassant ID: NL29ZZZ240489130000 Doorlopende incasso Valutadatum: 03-01-2024"
    )
    assert d.name == "Eneco" and d.iban == "NL86INGB0002445588" and d.end_to_end_id == "K 1"
    assert (d.mandate_id, d.creditor_id) == ("M1", "NL29ZZZ240489130000")
    assert d.value_date == dt.date(2024, 1, 3)
    assert d.description == "Termijn Doorlopende incasso"
    assert (
        ing_nl_details("Tekst met XIBAN: geen sleutel").description
        == "Tekst met XIBAN: geen sleutel"
    )


def test_abn_amro_description_shapes() -> None:
    slash = abn_details("/TRTP/SEPA OVERBOEKING/IBAN/NL44RABO0123456789/NAME/UWV/REMI/WW 01/2024")
    assert (slash.iban, slash.name, slash.description) == (
        "NL44RABO0123456789",
        "UWV",
        "WW 01/2024",
    )
    card = abn_details("BEA   NR:XXX1234 02.01.24/14.52 Jumbo Amersfoort,PAS123")
    assert (card.code, card.name) == ("BEA", "Jumbo Amersfoort")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_damaged_files_raise_only_ingest_errors(data: st.DataObject) -> None:
    """Flip, cut and insert bytes in real writer output: never another exception type."""
    dialect = data.draw(st.sampled_from(sorted(BY_DIALECT)))
    raw = bytearray(write_csv([data.draw(statements(max_transactions=4))], dialect))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        raw[pos : pos + data.draw(st.integers(0, 3))] = data.draw(st.binary(max_size=3))
    importer = BY_DIALECT[dialect]
    importer.identify(bytes(raw))
    try:
        importer.extract(bytes(raw), "kapot.csv")
    except IngestError as exc:
        assert exc.file == "kapot.csv" and exc.line >= 1
