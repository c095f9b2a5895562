"""The benefit payment data format: JSON and CSV read alike, invalid input says field and line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ingest.benefits import (
    CSV_HEADER,
    Toeslag,
    identify,
    parse_benefit_file,
    write_benefit_csv,
    write_benefit_json,
)
from ingest.errors import IngestError

DATA = Path(__file__).parent.parent / "data" / "benefits"

PAYMENT: dict[str, Any] = {
    "betaler": "uwv",
    "regeling": "ww",
    "periode_van": "2024-09-01",
    "periode_tot": "2024-09-30",
    "betaaldatum": "2024-10-04",
    "bruto": "1612.40",
    "loonheffing": "198.73",
    "netto": "1413.67",
}
DECISION: dict[str, Any] = {
    "regeling": "zorgtoeslag",
    "jaar": 2024,
    "voorschot_jaar": "1476.00",
    "voorschot_maand": "123.00",
    "geschat_inkomen": "24500.00",
    "beschikkingsdatum": "2023-12-15",
    "met_partner": False,
}


def _json(payment: dict[str, Any] | None = None, decision: dict[str, Any] | None = None) -> bytes:
    doc = {
        "formaat": "hhb-uitkeringsgegevens",
        "versie": 1,
        "betalingen": [PAYMENT, payment or PAYMENT | {"betaaldatum": "2024-11-04"}],
        "beschikkingen": [decision or DECISION],
    }
    return json.dumps(doc, indent=2).encode()


def test_example_files() -> None:
    for path in sorted(DATA.iterdir()):
        data = path.read_bytes()
        assert identify(data), path.name
        result = parse_benefit_file(data, path.name)
        assert result.payments and result.decisions and not result.problems
        for p in result.payments:
            assert p.net_cents == p.gross_cents - p.wage_tax_cents


def test_json_values_are_exact() -> None:
    result = parse_benefit_file(_json(), "u.json")
    p = result.payments[0]
    assert (p.gross_cents, p.wage_tax_cents, p.net_cents) == (161240, 19873, 141367)
    assert p.period_start == dt.date(2024, 9, 1) and p.payment_date == dt.date(2024, 10, 4)
    d = result.decisions[0]
    assert d.regeling is Toeslag.ZORGTOESLAG and d.income_estimate_cents == 2450000
    assert not d.with_partner


def test_identify_tells_our_files_from_bank_statements() -> None:
    assert identify(_json())
    assert identify(b"\xef\xbb\xbf" + CSV_HEADER.encode() + b"\r\n")
    assert not identify(b'{"formaat": "iets anders"}')
    assert not identify(b":20:940S130403\r\n:25:NL12INGB0001234567\r\n")
    assert not identify(b'"Datum";"Naam / Omschrijving";"Rekening"\n')
    assert not identify(b"")
    assert not identify(b"\xff\xfe garbage")


# (payment change, message fragment): every invalid payment names its field and what to do
INVALID_PAYMENTS = [
    ({"netto": "1400.00"}, "betalingen[1].netto: 1400.00 is niet bruto 1612.40 min loonheffing"),
    (
        {"periode_tot": "2024-08-31"},
        "betalingen[1].periode_tot: '2024-08-31' ligt voor de begindatum",
    ),
    ({"bruto": "1612.405"}, "betalingen[1].bruto: '1612.405' is geen bedrag"),
    ({"bruto": "1.612,40"}, "betalingen[1].bruto: '1.612,40' is geen bedrag"),
    (
        {"betaaldatum": "2024-02-30"},
        "betalingen[1].betaaldatum: '2024-02-30' is geen geldige datum",
    ),
    ({"betaler": "kees"}, "betalingen[1].betaler: 'kees' staat niet in het betalersregister"),
    ({"betaler": None}, "betalingen[1].betaler: None moet tekst zijn"),
    ({"extra": "x"}, "betalingen[1].extra: onbekend veld"),
]


@pytest.mark.parametrize(("change", "message"), INVALID_PAYMENTS)
def test_invalid_json_payment(change: dict[str, Any], message: str) -> None:
    data = _json(PAYMENT | change)
    with pytest.raises(IngestError) as info:
        parse_benefit_file(data, "u.json")
    assert message in info.value.message
    line_text = data.decode().splitlines()[info.value.line - 1]
    field = message.split(":")[0].split(".")[-1]
    assert f'"{field}"' in line_text or line_text.strip() == "{", line_text


def test_missing_field_points_at_its_record() -> None:
    payment = {k: v for k, v in PAYMENT.items() if k != "netto"}
    with pytest.raises(IngestError, match=r"betalingen\[1\]\.netto: ontbreekt") as info:
        parse_benefit_file(_json(payment), "u.json")
    assert info.value.line == 15


INVALID_DECISIONS = [
    ({"regeling": "bijstand"}, "beschikkingen[0].regeling: 'bijstand' is geen toegestane waarde"),
    ({"jaar": "2024"}, "beschikkingen[0].jaar: '2024' moet geheel getal zijn"),
    ({"met_partner": "nee"}, "beschikkingen[0].met_partner: 'nee' moet true of false zijn"),
]


@pytest.mark.parametrize(("change", "message"), INVALID_DECISIONS)
def test_invalid_json_decision(change: dict[str, Any], message: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_benefit_file(_json(decision=DECISION | change), "u.json")
    assert message in info.value.message


def test_voorschot_mismatch_and_duplicate_are_problems_not_errors() -> None:
    data = _json(PAYMENT, DECISION | {"voorschot_maand": "100.00"})
    result = parse_benefit_file(data, "u.json")
    messages = [p.message for p in result.problems]
    assert any("dubbel" in m for m in messages)
    assert any("voorschot_maand 100.00 x 12" in m for m in messages)


CSV_OK = (
    CSV_HEADER
    + "\n"
    + (
        "betaling;uwv;ww;2024-09-01;2024-09-30;2024-10-04;1612.40;198.73;1413.67;WW 09-2024;;;;;;\n"
        "beschikking;;zorgtoeslag;;;;;;;;2024;1476.00;123.00;24500.00;2023-12-15;nee\n"
    )
)

INVALID_CSV = [
    ("1413.67", "1413.68", 2, "netto: 1413.68 is niet bruto 1612.40"),
    ("2024-09-30", "2024-08-01", 2, "periode_tot: '2024-08-01' ligt voor de begindatum"),
    ("betaling;", "betaaling;", 2, "soort: 'betaaling' moet 'betaling' of 'beschikking' zijn"),
    (";nee\n", ";misschien\n", 3, "met_partner: 'misschien' moet true of false zijn"),
    (";2024;1476.00", ";24;1476.00", 3, "jaar: 24 ligt buiten het toegestane bereik"),
    ("WW 09-2024;;", "WW 09-2024;2024;", 2, "jaar: hoort niet bij een betaling"),
    ("1612.40;", "1612.40;;", 2, "17 kolommen, verwacht 16"),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), INVALID_CSV)
def test_invalid_csv(old: str, new: str, line: int, message: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_benefit_file(CSV_OK.replace(old, new, 1).encode(), "u.csv")
    assert message in info.value.message
    assert info.value.line == line


def test_csv_accepts_decimal_comma_and_blank_lines() -> None:
    text = CSV_OK.replace("1612.40;198.73;1413.67", "1612,40;198,73;1413,67") + "\n;;\n"
    result = parse_benefit_file(text.encode(), "u.csv")
    assert result.payments[0].net_cents == 141367


def test_not_a_benefit_file() -> None:
    with pytest.raises(IngestError, match="geen bestand met uitkeringsgegevens"):
        parse_benefit_file(b"Datum;Bedrag\n", "x.csv")


def test_writers_round_trip_examples() -> None:
    for path in sorted(DATA.iterdir()):
        original = parse_benefit_file(path.read_bytes(), path.name)
        for writer in (write_benefit_json, write_benefit_csv):
            again = parse_benefit_file(writer(original.payments, original.decisions), "w")
            assert (again.payments, again.decisions) == (original.payments, original.decisions)
