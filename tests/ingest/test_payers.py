"""The payer registry recognises payers from realistic Dutch bank lines, and nothing else."""

from __future__ import annotations

import pytest

from ingest.payers import (
    MatchedOn,
    PayerKind,
    RegistryError,
    default_registry,
    load_registry,
    match,
)
from ingest.payers.registry import leading_word
from ingest.text import is_iban

# (counterparty name, description, payer id, kind, regeling)
RECOGNISED = [
    ("UWV", "WW-UITKERING PERIODE 10-2024 12345678", "uwv", PayerKind.UITKERING, "ww"),
    ("UWV Uitkeringen", "Betaling WIA/WGA oktober 2024", "uwv", PayerKind.UITKERING, "wia"),
    ("SVB", "KINDERBIJSLAG 3E KWARTAAL 2024", "svb", PayerKind.UITKERING, "kinderbijslag"),
    ("Sociale Verzekeringsbank", "AOW NOVEMBER 2024", "svb", PayerKind.UITKERING, "aow"),
    (
        "BELASTINGDIENST",
        "1234567890123456 ZORGTOESLAG 2024 VOORSCHOT NOV.",
        "belastingdienst_toeslagen",
        PayerKind.TOESLAG,
        "zorgtoeslag",
    ),
    (
        "Belastingdienst/Toeslagen",
        "HUURTOESLAG 2024 VOORSCHOT",
        "belastingdienst_toeslagen",
        PayerKind.TOESLAG,
        "huurtoeslag",
    ),
    (
        "BELASTINGDIENST",
        "KINDGEBONDEN BUDGET 2024 VOORSCHOT",
        "belastingdienst_toeslagen",
        PayerKind.TOESLAG,
        "kindgebonden_budget",
    ),
    (
        "BELASTINGDIENST",
        "KINDEROPVANGTOESLAG 2024 VOORSCHOT",
        "belastingdienst_toeslagen",
        PayerKind.TOESLAG,
        "kinderopvangtoeslag",
    ),
    (
        "BELASTINGDIENST",
        "VOORLOPIGE AANSLAG INKOMSTENBELASTING 2024",
        "belastingdienst_toeslagen",
        PayerKind.BELASTING,
        "inkomstenbelasting",
    ),
    (
        "GEMEENTE UTRECHT",
        "PWJ/TAO 01-09-23/30-09-23 123456",
        "gemeente_utrecht_werk_en_inkomen",
        PayerKind.UITKERING,
        "bijstand",
    ),
    (
        "Gemeente Amersfoort",
        "Uitkering Participatiewet september",
        "gemeente_amersfoort_werk_en_inkomen",
        PayerKind.UITKERING,
        "bijstand",
    ),
    (
        "Gemeente Houten",
        "Bijzondere bijstand bril",
        "gemeente_werk_en_inkomen",
        PayerKind.UITKERING,
        "bijzondere_bijstand",
    ),
    (
        "DUO",
        "STUDIEFINANCIERING OKT 2024",
        "duo",
        PayerKind.STUDIEFINANCIERING,
        "studiefinanciering",
    ),
    (
        "CAK",
        "EIGEN BIJDRAGE WMO PERIODE 11",
        "cak",
        PayerKind.EIGEN_BIJDRAGE_ZORG,
        "eigen_bijdrage_wmo",
    ),
    ("Stichting Portaal", "HUUR NOVEMBER 2024", "portaal", PayerKind.HUUR, None),
    ("MITROS", "Huur 11-2024 contract 4411", "mitros", PayerKind.HUUR, None),
    ("Woonstichting Bo-Ex '91", "huur", "bo_ex", PayerKind.HUUR, None),
    ("ENECO SERVICES", "TERMIJN 11-2024 KLANTNR 1234567", "eneco", PayerKind.ENERGIE, None),
    ("Vattenfall Klantenservice N.V.", "Termijnbedrag", "vattenfall", PayerKind.ENERGIE, None),
    ("NLE Budget Energie", "Maandbedrag", "budget_energie", PayerKind.ENERGIE, None),
    ("Vitens NV", "VOORSCHOT DRINKWATER 123456789", "vitens", PayerKind.WATER, None),
    ("Zilveren Kruis Achmea", "PREMIE NOV 2024", "zilveren_kruis", PayerKind.ZORGVERZEKERING, None),
    ("CZ Groep Zorgverzekeraar", "premie", "cz", PayerKind.ZORGVERZEKERING, None),
    ("Coöperatie VGZ U.A.", "premie", "vgz", PayerKind.ZORGVERZEKERING, None),
    ("Zorg & Zekerheid", "premie", "zorg_en_zekerheid", PayerKind.ZORGVERZEKERING, None),
    ("KPN B.V.", "FACTUUR 123456789", "kpn", PayerKind.TELEFOON_INTERNET, None),
    ("Odido Netherlands B.V.", "Factuur", "odido", PayerKind.TELEFOON_INTERNET, None),
    ("VodafoneZiggo", "factuur", "vodafoneziggo", PayerKind.TELEFOON_INTERNET, None),
    ("BghU", "AANSLAG 2024 TERMIJN 3", "bghu", PayerKind.GEMEENTELIJKE_BELASTINGEN, None),
    ("HHNK", "Aanslag waterschapsbelasting", "waterschap", PayerKind.WATERSCHAPSBELASTING, None),
    (
        "Gemeente Amersfoort",
        "Aanslag 2024 OZB afvalstoffenheffing",
        "gemeente_belastingen",
        PayerKind.GEMEENTELIJKE_BELASTINGEN,
        None,
    ),
]


@pytest.mark.parametrize(("name", "description", "payer", "kind", "regeling"), RECOGNISED)
def test_recognised_from_name_and_text(
    name: str, description: str, payer: str, kind: PayerKind, regeling: str | None
) -> None:
    found = match(None, name, description)
    assert found is not None, (name, description)
    assert (found.payer_id, found.kind, found.regeling) == (payer, kind, regeling)
    assert found.matched_on is MatchedOn.NAME
    assert found.pattern  # the match can explain itself


@pytest.mark.parametrize(
    ("description", "regeling"),
    [
        ("ZORGTOESLAG 2024 VOORSCHOT", "zorgtoeslag"),
        ("HUURTOESLAG 2025 VOORSCHOT", "huurtoeslag"),
        ("KINDGEBONDEN BUDGET 2024", "kindgebonden_budget"),
        ("KINDEROPVANGTOESLAG 2024", "kinderopvangtoeslag"),
    ],
)
def test_toeslagen_told_apart_by_text_alone(description: str, regeling: str) -> None:
    found = match(None, None, description)
    assert found is not None
    assert (found.regeling, found.matched_on) == (regeling, MatchedOn.TEXT)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("Kees Uwv", "terug van het weekend"),
        ("Hr K UWV", "lening"),
        ("J. de Vries", "zorgtoeslag was te laat, hier je geld"),  # no year: not standalone
        ("Gemeente Utrecht", "Parkeerbon 12345"),  # gemeente needs bijstand/tax text
        ("ALBERT HEIJN 1403", "BEA NR:XXX1234 21.05.24/12.54"),
        ("Essentials Webshop", "bestelling 42"),  # 'ESSENT' only as a whole word
        ("Mitrosstraat Garage", "apk"),
        ("Tikkie", "UWV etentje"),  # text mentions UWV but no standalone pattern
        (None, "Huur garagebox"),
    ],
)
def test_no_false_positive(name: str | None, description: str) -> None:
    assert match(None, name, description) is None


def test_verified_iban_decides_whatever_the_name() -> None:
    found = match("NL94 INGB 0000 8690 00", "V. NV", "factuur 123")
    assert found is not None
    assert (found.payer_id, found.matched_on, found.pattern) == (
        "vitens",
        MatchedOn.IBAN,
        "NL94INGB0000869000",
    )


def test_every_shipped_iban_is_valid_and_sourced() -> None:
    ibans = [i for p in default_registry().payers for i in p.ibans]
    assert ibans
    for item in ibans:
        assert is_iban(item.iban)
        assert item.source.startswith("https://")


@pytest.mark.parametrize(
    ("pattern", "word"),
    [
        ("^UWV", "UWV"),
        ("ZORG EN ZEKERHEID", "ZORG"),
        ("^GEM\\.? UTRECHT", "GEM"),
        ("KINDERBIJSLAG\\b.*", "KINDERBIJSLAG"),
        ("ZORGTOESLAG 20\\d\\d", "ZORGTOESLAG"),
        ("GEMS?", None),  # last letter optional: no whole word
        ("BIJSTAND\\w*", None),  # word continues
        ("KGB|KINDGEBONDEN", None),  # top-level alternative
        ("[A-Z]+ ENERGIE", None),
    ],
)
def test_leading_word_is_safe(pattern: str, word: str | None) -> None:
    assert leading_word(pattern) == word


_VALID_ENTRY = "  - {id: x, name: X, kind: huur, names: ['XY']}\n"

INVALID_REGISTRIES = [
    ("  - {id: x, name: X, kind: huurr, names: ['XY']}\n", "betaler 0 (x), kind", "huurr"),
    ("  - {id: x, name: X, kind: huur}\n", "betaler 0 (x)", "names, texts of ibans"),
    ("  - {id: X1, name: X, kind: huur, names: ['XY']}\n", "betaler 0 (X1), id", "juiste vorm"),
    (
        "  - {id: x, name: X, kind: huur, names: ['xy']}\n",
        "betaler 0 (x), names[0]",
        "HOOFDLETTERS",
    ),
    ("  - {id: x, name: X, kind: huur, names: ['XY(']}\n", "betaler 0 (x), names[0]", "reguliere"),
    (
        "  - {id: x, name: X, kind: huur, ibans: [{iban: NL00INGB0000000001, "
        "source: 'https://x.nl', checked: '2026-01-01'}]}\n",
        "betaler 0 (x), ibans[0]",
        "controlegetal",
    ),
    (
        "  - {id: x, name: X, kind: huur, ibans: [{iban: NL94INGB0000869000}]}\n",
        "betaler 0 (x), ibans[0]",
        "source",
    ),
    (_VALID_ENTRY + _VALID_ENTRY, "betaler 1 (x)", "id komt al voor"),
    (
        "  - {id: x, name: X, kind: huur, requires_text: true, names: ['XY']}\n",
        "betaler 0 (x)",
        "requires_text",
    ),
]


@pytest.mark.parametrize(("entries", "where", "reason"), INVALID_REGISTRIES)
def test_invalid_entry_refused_with_entry_and_reason(entries: str, where: str, reason: str) -> None:
    data = ("version: 1\npayers:\n" + entries).encode()
    with pytest.raises(RegistryError) as info:
        load_registry(data, "eigen.yaml")
    assert any(p.startswith(where) and reason in p for p in info.value.problems), info.value


def test_municipality_can_extend_the_registry() -> None:
    data = (
        b"version: 1\npayers:\n"
        b"  - {id: ons_fonds, name: Ons Fonds, kind: inkomen, names: ['ONS FONDS']}\n"
    )
    registry = load_registry(data)
    found = registry.match(None, "Stichting Ons Fonds", "gift")
    assert found is not None and found.kind is PayerKind.INKOMEN
