"""Small inline tests of the CSV engine: value notations, signs, encodings, order, balances."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.csvbanks import BY_DIALECT
from ingest.csvbanks.columnar import convert, supports
from ingest.csvbanks.details import ING_NL_KEYS, abn_details, ing_nl_details
from ingest.csvbanks.dialect import DateStyle, clean, format_cents, parse_cents, parse_date_text
from ingest.csvbanks.keyed_columns import keyed_columns
from ingest.csvbanks.rows import compile_row
from ingest.csvbanks.table import WS, clean_series, read_table
from ingest.csvbanks.writer import write_csv
from ingest.errors import IngestError
from ingest.model import ExtractResult, RawTransaction, Statement
from tests.ingest.strategies import statements
from tests.ingest.test_csv_roundtrip import for_dialect

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


# The columnar fast path (ingest.csvbanks.table / columnar / keyed_columns) must give exactly
# what the row engine gives, and hand every unusual file to it.

KEY_ATOMS = ["Naam: ", "Omschrijving: ", "IBAN: ", "Kenmerk: ", "Machtiging ID: ",
             "Incassant ID: ", "Valutadatum: ", " ", "  ", "\t", "\x1c", "\xa0", "x", "é", "ß",
             "NL12ingb", "01-02-2024", ":", "NOTPROVIDED", "a b"]  # fmt: skip


def test_whitespace_set_is_complete() -> None:
    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == WS


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(KEY_ATOMS), max_size=12).map("".join), min_size=1,
                max_size=30))  # fmt: skip
def test_keyed_columns_match_the_row_splitter(texts: list[str]) -> None:
    frame = keyed_columns(pl.Series(texts, dtype=pl.String), ING_NL_KEYS, "")
    for text, row in zip(texts, frame.rows(named=True), strict=True):
        if row["slow"]:
            continue
        want = ing_nl_details(text)
        token = row["value_date"]
        assert (row["description"], row["name"], row["iban"], row["end_to_end_id"],
                row["mandate_id"], row["creditor_id"]) == (
            want.description, want.name, want.iban, want.end_to_end_id, want.mandate_id,
            want.creditor_id)  # fmt: skip
        assert (parse_date_text(token, DateStyle.DMY) if token else None) == want.value_date


def test_usual_ing_text_is_not_slow() -> None:
    text = (
        "Naam: Eneco Omschrijving: Termijn IBAN: NL86INGB0002445588 Kenmerk: K 1 Machtiging "
        "ID: M1 Incassant ID: NL29ZZZ240489130000 Doorlopende incasso Valutadatum: 03-01-2024"
    )
    assert keyed_columns(pl.Series([text]), ING_NL_KEYS, "")["slow"].to_list() == [False]


@given(st.lists(st.text(st.sampled_from(["a", " ", "\t", "\x1f", "\u3000", "é"])), max_size=20))
def test_clean_series_is_clean(texts: list[str]) -> None:
    assert clean_series(pl.Series(texts, dtype=pl.String)).to_list() == [clean(t) for t in texts]


def _both(dialect: str, data: bytes) -> tuple[list[RawTransaction] | None, list[RawTransaction]]:
    importer = BY_DIALECT[dialect]
    d = importer.dialect
    text = importer._decode(data, "x.csv")
    table = read_table(text, d)
    fast = None if table is None else convert(d, table, compile_row(d, "x.csv", []))
    return fast, importer._rows(text, "x.csv", compile_row(d, "x.csv", []))


@pytest.mark.parametrize("dialect", [name for name, imp in BY_DIALECT.items()
                                     if supports(imp.dialect)])  # fmt: skip
@settings(max_examples=25, deadline=None)
@given(statement=statements(max_transactions=8))
def test_columnar_path_equals_row_engine(dialect: str, statement: Statement) -> None:
    fast, rows = _both(dialect, write_csv([for_dialect(statement, dialect)], dialect))
    assert fast is not None and fast == rows


def test_ing_and_rabobank_take_the_columnar_path() -> None:
    for dialect in ("ing-nl", "ing-en", "ing-old", "ing-savings", "rabobank"):
        assert supports(BY_DIALECT[dialect].dialect)
    fast, rows = _both("ing-nl", (ING_HEADER + ing_row("20240102", "Af", "1,00", "1,00")).encode())
    assert fast == rows and len(rows) == 1


def test_blank_lines_keep_their_line_numbers() -> None:
    data = (ING_HEADER + "\r\n" + ing_row("20240103", "Af", "1,00", "1,00") + "  \r\n"
            + ing_row("20240102", "Bij", "2,00", "2,00")).encode()  # fmt: skip
    fast, rows = _both("ing-nl", data)
    assert fast == rows and [t.line for t in rows] == [3, 5]


def test_a_line_break_inside_a_field_goes_to_the_row_engine() -> None:
    row = ing_row("20240102", "Af", "1,00", "1,00", "twee\r\nregels")
    data = (ING_HEADER + row + ing_row("20240101", "Bij", "2,00", "2,00")).encode()
    fast, rows = _both("ing-nl", data)
    assert fast is None and [t.line for t in rows] == [2, 4]
    result = ing(row, ing_row("20240101", "Bij", "2,00", "2,00"))
    assert result.transaction_count == 2


def test_odd_quoting_and_ragged_rows_keep_the_row_engine_message() -> None:
    odd = ing_row("20240102", "Af", "1,00", "1,00").replace('"Test"', '"Te"st')
    fast, rows = _both("ing-nl", (ING_HEADER + odd).encode())
    assert fast is None and rows[0].counterparty_name == "Test"
    ragged = ing_row("20240102", "Af", "1,00", "1,00").replace(';""\r\n', "\r\n")
    with pytest.raises(IngestError) as exc:
        ing(ing_row("20240103", "Af", "1,00", "1,00"), ragged)
    assert exc.value.line == 3 and "deze regel heeft 10 kolommen" in exc.value.message


def test_excel_amount_is_reported_at_its_line_after_the_columnar_check() -> None:
    with pytest.raises(IngestError) as exc:
        ing(ing_row("20240103", "Af", "1,00", "1,00"), ing_row("20240102", "Af", "1.5", "1,00"))
    assert exc.value.line == 3 and "maar ING schrijft bedragen met een komma" in exc.value.message
