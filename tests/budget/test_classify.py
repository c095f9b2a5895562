"""Classification: realistic Dutch bank lines per rubriek, the reasons, the seed participant."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import budget.classify as classify_module
from budget.categories import Rubriek
from budget.classify import (
    CLASSIFICATION_SCHEMA,
    CLASSIFIED_SCHEMA,
    Rule,
    RuleMatch,
    classify,
    normalise_name,
    rules_frame,
)
from hhb.demo.ledger import monthly_statements
from hhb.demo.seed import SEED_CODE
from hhb.demo.world import generate_household
from ingest.canonical import TRANSACTION_SCHEMA, frame, keyed
from ingest.payers import default_registry

BEHEER = "NL05INGB0751963427"
EIGEN = "NL94INGB0663258914"


def row(
    amount: int,
    name: str | None,
    description: str,
    iban: str | None = "NL18INGB5049696021",
    *,
    day: dt.date = dt.date(2024, 3, 4),
    account: str = BEHEER,
    household: str = "H1",
    code: str | None = None,
    key: str = "",
) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(TRANSACTION_SCHEMA)
    values |= {
        "household": household,
        "account": account,
        "booking_date": day,
        "amount_cents": amount,
        "currency": "EUR",
        "counterparty_iban": iban,
        "counterparty_name": name,
        "description": description,
        "is_reversal": False,
        "import_id": 1,
        "position": 0,
        "bank_transaction_code": code,
        "tx_key": key or f"{household}-{day}-{amount}-{name}-{description}"[:32],
    }
    return values


def one(r: dict[str, Any], rules: list[Rule] | None = None) -> dict[str, Any]:
    return classify(frame([r]), rules or []).row(0, named=True)


# (amount, name, iban, description, code) -> (ketenpartner, rubriek, regeling, rule_id)
CASES = [
    (
        (
            45734,
            "UWV",
            "NL32ABNA0057781041",
            "WGA-UITKERING 01-12-2023 T/M 31-12-2023 4417302",
            None,
        ),
        ("UWV", "uitkering", "wia", "register:uwv"),
    ),
    (
        (63768, "UWV", "NL32ABNA0057781041", "WW-UITKERING 01-01-2024 T/M 31-01-2024 12", None),
        ("UWV", "uitkering", "ww", "register:uwv"),
    ),
    (
        (
            12300,
            "BELASTINGDIENST/TOESLAGEN",
            "NL61ABNA2560290891",
            "ZORGTOESLAG 2024 939583212 VOORSCHOT FEB",
            None,
        ),
        (
            "Belastingdienst/Toeslagen",
            "toeslag",
            "zorgtoeslag",
            "register:belastingdienst_toeslagen",
        ),
    ),
    (
        (
            30700,
            "BELASTINGDIENST",
            "NL86INGB0002445588",
            "HUURTOESLAG 2024 939583212 VOORSCHOT MEI",
            None,
        ),
        (
            "Belastingdienst/Toeslagen",
            "toeslag",
            "huurtoeslag",
            "register:belastingdienst_toeslagen",
        ),
    ),
    (
        (51200, "BELASTINGDIENST", "NL86INGB0002445588", "VOORLOPIGE TERUGGAAF 2024 123", None),
        (
            "Belastingdienst",
            "belastingen",
            "inkomstenbelasting",
            "register:belastingdienst_toeslagen",
        ),
    ),
    (
        (8700, None, None, "KINDGEBONDEN BUDGET 2024 1234 VOORSCHOT", None),
        (
            "Belastingdienst/Toeslagen",
            "toeslag",
            "kindgebonden_budget",
            "register:belastingdienst_toeslagen",
        ),
    ),
    (
        (
            39927,
            "SVB",
            "NL97INGB8763141331",
            "KINDERBIJSLAG 4E KWARTAAL 2023 KLANTNR 3958322",
            None,
        ),
        ("SVB", "kinderbijslag", "kinderbijslag", "register:svb"),
    ),
    (
        (
            78524,
            "GEMEENTE AMERSFOORT",
            "NL10BNGH4053463431",
            "PWJ/TAO 01-01-24/31-01-24 3266288 AANVULLING",
            None,
        ),
        (
            "gemeente Amersfoort",
            "uitkering",
            "bijstand",
            "register:gemeente_amersfoort_werk_en_inkomen",
        ),
    ),
    (
        (
            -9300,
            "GEMEENTE UTRECHT",
            "NL10BNGH4053463432",
            "AANSLAG 2024 AFVALSTOFFENHEFFING 77",
            None,
        ),
        ("GEMEENTE UTRECHT", "gemeentelijke_belastingen", None, "register:gemeente_belastingen"),
    ),
    (
        (-42410, "Portaal", "NL18INGB5049696021", "Huur januari 2024 contract 4417302", None),
        ("Portaal", "huur", None, "register:portaal"),
    ),
    (
        (-17100, "Eneco", "NL09INGB9152031241", "Termijnbedrag januari 2024 klantnummer 1", None),
        ("Eneco", "energie", None, "register:eneco"),
    ),
    (
        (-2621, "Vitens NV", "NL94INGB0000869000", "Voorschot drinkwater klantnr 4417302", None),
        ("Vitens", "water", None, "register:vitens"),
    ),
    (
        (
            -15513,
            "CZ Zorgverzekeringen",
            "NL19ABNA0572294301",
            "Premie zorgverzekering januari",
            None,
        ),
        ("CZ", "zorgverzekering", None, "register:cz"),
    ),
    (
        (-4001, "VodafoneZiggo", "NL19ABNA0572294399", "Factuur januari 2024 klant 7963465", None),
        ("VodafoneZiggo", "telefoon_internet", None, "register:vodafoneziggo"),
    ),
    (
        (-7696, "BghU", "NL11ABNA9018187071", "Aanslag 2024 termijn 2/10 aanslagnr 3958322", None),
        ("BghU", "gemeentelijke_belastingen", None, "register:bghu"),
    ),
    (
        (
            -5500,
            "Hoogheemraadschap De Stichtse Rijnlanden",
            "NL11ABNA9018187099",
            "Aanslag waterschapsbelasting 2024",
            None,
        ),
        (
            "Hoogheemraadschap De Stichtse Rijnlanden",
            "waterschapsbelasting",
            None,
            "register:waterschap",
        ),
    ),
    (
        (-4500, "DUO", "NL45INGB0705001903", "AFLOSSING STUDIESCHULD 2024", None),
        ("DUO", "aflossing_schulden", "studieschuld", "register:duo"),
    ),
    (
        (-2150, "CAK", "NL11ABNA9018187000", "EIGEN BIJDRAGE WMO MAART 2024", None),
        ("CAK", "eigen_bijdrage_zorg", "eigen_bijdrage_wmo", "register:cak"),
    ),
    (
        (-4860, "CJIB", "NL11ABNA9018187011", "BETALINGSREGELING 7963465 TERMIJN 1/32", None),
        ("CJIB", "aflossing_schulden", None, "schuldeiser"),
    ),
    (
        (-2500, "Stichting Hulp", "NL11ABNA9018187012", "BETALINGSREGELING dossier 88", None),
        ("Stichting Hulp", "aflossing_schulden", None, "aflossing"),
    ),
    (
        (-1895, "Interpolis", "NL11ABNA9018187013", "Inboedelverzekering polis 55", None),
        ("Interpolis", "verzekeringen", None, "verzekeraar"),
    ),
    (
        (
            217379,
            "Schoonmaakbedrijf Domstad BV",
            "NL53ABNA0155010941",
            "SALARIS JANUARI 2024 3958322",
            None,
        ),
        ("Schoonmaakbedrijf Domstad BV", "inkomen", None, "inkomen"),
    ),
    (
        (-10628, "ALBERT HEIJN 1432", None, "ALBERT HEIJN 1432 Pasnr 123 03-01-2024", "BA"),
        ("Albert Heijn", "boodschappen", None, "boodschappen"),
    ),
    (
        (-1999, None, None, "BEA   NR:XXX1234 21.05.24/12.54 JUMBO UTRECHT,PAS123", "BEA"),
        ("Jumbo", "boodschappen", None, "boodschappen"),
    ),
    (
        (-8000, None, None, "GELDMAAT Pasnr 123 28-01-2024", "GM"),
        ("Geldautomaat", "contant", None, "contant"),
    ),
    (
        (-46016, "E. Bakker", EIGEN, "Leefgeld januari 2024 Huishoudboekje", None),
        ("Huishoudboekje", "leefgeld", None, "leefgeld:tekst"),
    ),
    (
        (-2500, "K. Jansen", "NL11ABNA9018187014", "terugbetaling etentje", None),
        ("K. Jansen", "overig", None, "overig"),
    ),
]


@pytest.mark.parametrize(("given", "expected"), CASES, ids=[c[1][1] + ":" + c[1][3] for c in CASES])
def test_each_rubriek_from_a_realistic_bank_line(
    given: tuple[int, str | None, str | None, str, str | None],
    expected: tuple[str, str, str | None, str],
) -> None:
    amount, name, iban, description, code = given
    got = one(row(amount, name, description, iban, code=code))
    assert (got["ketenpartner"], got["rubriek"], got["regeling"], got["rule_id"]) == expected
    assert got["reason"]


def test_output_schema_and_order() -> None:
    rows = [row(-100 - i, f"Persoon {i}", "x", f"NL11ABNA90181870{i:02d}") for i in range(5)]
    out = classify(frame(rows), [])
    assert out.schema == pl.Schema(CLASSIFIED_SCHEMA)
    assert out.get_column("amount_cents").to_list() == [-100, -101, -102, -103, -104]
    empty = classify(frame([]), [])
    assert empty.schema == pl.Schema(CLASSIFIED_SCHEMA)
    assert set(CLASSIFICATION_SCHEMA) == {
        "ketenpartner",
        "rubriek",
        "regeling",
        "rule_id",
        "reason",
    }


REASONS = [
    (row(-2621, "VITENS", "x", None), "herkend als Vitens aan de naam 'VITENS' (betalerslijst)"),
    (
        row(-2621, "Vitens NV Zwolle", "x", "NL94INGB0000869000"),
        "herkend als Vitens aan het IBAN NL94INGB0000869000 (betalerslijst)",
    ),
    (
        row(8700, None, "ZORGTOESLAG 2025 123", None),
        "herkend als Belastingdienst/Toeslagen aan de omschrijving 'ZORGTOESLAG 2025' "
        "(betalerslijst)",
    ),
    (
        row(45734, "UWV", "WGA-UITKERING 01-12-2023", "NL32ABNA0057781041"),
        "herkend als UWV aan de naam 'UWV' (betalerslijst); regeling wia volgens 'WGA'",
    ),
    (row(-8000, None, "GELDMAAT Pasnr 123", None), "geldopname bij een geldautomaat: contant"),
    (row(-46016, "E. Bakker", "Leefgeld week 3", EIGEN), "de omschrijving noemt leefgeld"),
    (
        row(-10628, "LIDL", "LIDL Pasnr 1", None),
        "betaling aan Lidl (supermarkt of drogist): boodschappen",
    ),
    (
        row(-1, "K. Jansen", "x", "NL11ABNA9018187014"),
        "niet herkend: geen regel, betaler of vuistregel past",
    ),
]


@pytest.mark.parametrize(("given", "reason"), REASONS)
def test_reason_text_for_each_source(given: dict[str, Any], reason: str) -> None:
    assert one(given)["reason"] == reason


def _rule(id_: int, match: RuleMatch, value: str, rubriek: Rubriek, **kw: Any) -> Rule:
    return Rule(
        id_,
        "H1",
        match,
        value,
        rubriek,
        kw.pop("ketenpartner", None),
        "jdevries",
        dt.datetime(2024, 3, 12, 10, tzinfo=dt.UTC),
        **kw,
    )


def test_coach_rules_win_in_order_transaction_iban_name() -> None:
    r = row(-50000, "K. Jansen", "Maart", "NL11ABNA9018187014", key="tx1")
    by_name = _rule(1, RuleMatch.NAAM, "K JANSEN", Rubriek.VERZEKERINGEN)
    by_iban = _rule(
        2, RuleMatch.IBAN, "NL11ABNA9018187014", Rubriek.HUUR, ketenpartner="Kamerverhuur Jansen"
    )
    by_tx = _rule(3, RuleMatch.TRANSACTIE, "tx1", Rubriek.OVERIG)
    assert one(r, [by_name])["rubriek"] == "verzekeringen"
    got = one(r, [by_name, by_iban])
    assert (got["rubriek"], got["ketenpartner"], got["rule_id"]) == (
        "huur",
        "Kamerverhuur Jansen",
        "coach:2",
    )
    assert got["reason"] == (
        "regel van coach jdevries van 12-03-2024: IBAN NL11ABNA9018187014 is huur, "
        "ketenpartner Kamerverhuur Jansen"
    )
    assert one(r, [by_name, by_iban, by_tx])["rule_id"] == "coach:3"
    withdrawn = _rule(
        2,
        RuleMatch.IBAN,
        "NL11ABNA9018187014",
        Rubriek.HUUR,
        withdrawn_at=dt.datetime(2024, 4, 1, tzinfo=dt.UTC),
    )
    assert one(r, [withdrawn])["rubriek"] == "overig"
    other_household = row(-50000, "K. Jansen", "Maart", "NL11ABNA9018187014", household="H2")
    assert one(other_household, [by_iban])["rubriek"] == "overig"


def test_coach_rule_beats_the_registry_and_keeps_the_regeling_only_if_same_rubriek() -> None:
    r = row(12300, "BELASTINGDIENST/TOESLAGEN", "ZORGTOESLAG 2024 1", "NL61ABNA2560290891")
    same = _rule(1, RuleMatch.IBAN, "NL61ABNA2560290891", Rubriek.TOESLAG)
    other = _rule(1, RuleMatch.IBAN, "NL61ABNA2560290891", Rubriek.OVERIG)
    assert one(r, [same])["regeling"] == "zorgtoeslag"
    assert one(r, [other])["regeling"] is None


def test_name_rule_uses_the_normalised_name() -> None:
    assert normalise_name("Albert  Heijn 1432, B.V.") == "ALBERT HEIJN B V"
    rule = _rule(
        1, RuleMatch.NAAM, normalise_name("Kapper Ali 12"), Rubriek.OVERIG, ketenpartner="Kapper"
    )
    got = one(row(-2000, "KAPPER ALI 99", "Pasnr 1", None), [rule])
    assert (got["ketenpartner"], got["rule_id"]) == ("Kapper", "coach:1")


def test_own_accounts_and_leefgeld_links() -> None:
    rows = [
        row(-5000, "J. de Vries", "Spaarpot", "NL02BUNQ6340802244"),
        row(5000, "J. de Vries", "Spaarpot", BEHEER, account="NL02BUNQ6340802244"),
        row(-17500, "J. de Vries", "Leefgeld week 1 2024", EIGEN),
        row(-73750, "J. de Vries", "Teruggave energie doorgestort", EIGEN),
    ]
    out = classify(frame(rows), []).select("ketenpartner", "rubriek", "rule_id").rows()
    assert out == [
        ("eigen rekening", "eigen_rekening", "eigen_rekening"),
        ("eigen rekening", "eigen_rekening", "eigen_rekening"),
        ("Huishoudboekje", "leefgeld", "leefgeld:tekst"),
        ("Huishoudboekje", "leefgeld", "leefgeld:rekening"),
    ]


def test_weekly_transfers_to_one_person_are_leefgeld() -> None:
    start = dt.date(2024, 1, 4)
    rows = [
        row(-17500, "S. de Vries", f"week {i}", EIGEN, day=start + dt.timedelta(weeks=i))
        for i in range(5)
    ]
    out = classify(frame(rows), [])
    assert out.get_column("rule_id").unique().to_list() == ["leefgeld:wekelijks"]
    assert out.get_column("ketenpartner").unique().to_list() == ["Huishoudboekje"]


def _demo_frame(index: int, months: int) -> pl.DataFrame:
    household = generate_household(1, index, dt.date(2024, 1, 1), months)
    rows = []
    for account in household.accounts:
        for k in keyed(monthly_statements(household, account)):
            t = k.transaction
            rows.append(
                row(
                    t.amount_cents,
                    t.counterparty_name,
                    t.description,
                    t.counterparty_iban,
                    day=t.booking_date,
                    account=k.account,
                    household=household.code,
                    code=t.bank_transaction_code,
                    key=k.key,
                )
            )
    return frame(rows)


def test_seed_participant_has_the_ketenpartners_of_the_presentation() -> None:
    out = classify(_demo_frame(0, 3), [])
    assert out.get_column("household").unique().to_list() == [SEED_CODE]
    per_month = (
        out.group_by(pl.col("booking_date").dt.month().alias("m"), "ketenpartner")
        .agg(pl.col("amount_cents").sort())
        .sort("m", "ketenpartner")
    )
    got = {(m, k): a for m, k, a in per_month.rows()}
    assert got == {
        (1, "Eneco"): [-17100],
        (1, "Huishoudboekje"): [-46016],
        (1, "Portaal"): [-42410],
        (1, "UWV"): [45734, 63768],
        (1, "Vitens"): [-2621, -2621],
        (1, "Zorg & Zekerheid, afdeling relaties"): [-18315],
        (2, "Eneco"): [73750],
        (2, "Huishoudboekje"): [-73750, -46016],
        (2, "Portaal"): [-42410],
        (2, "UWV"): [45734, 63768],
        (2, "Vitens"): [-2621],
        (2, "Zorg & Zekerheid, afdeling relaties"): [-18315],
        (3, "Eneco"): [-17100],
        (3, "Huishoudboekje"): [-46016],
        (3, "Portaal"): [-42410],
        (3, "UWV"): [20560, 22328, 26800, 45734, 63768],
        (3, "Zorg & Zekerheid, afdeling relaties"): [-18315],
    }
    rubrieken = dict(out.select("ketenpartner", "rubriek").unique().rows())
    assert rubrieken == {
        "UWV": "uitkering",
        "Eneco": "energie",
        "Vitens": "water",
        "Huishoudboekje": "leefgeld",
        "Portaal": "huur",
        "Zorg & Zekerheid, afdeling relaties": "zorgverzekering",
    }


def test_demo_households_leave_little_unrecognised() -> None:
    out = pl.concat([classify(_demo_frame(i, 6), []) for i in range(1, 9)])
    overig = out.filter(pl.col("rubriek") == "overig")
    assert overig.height / out.height < 0.02, overig.select("counterparty_name", "description")


def test_budget_never_imports_dash_or_flask() -> None:
    for path in (Path(__file__).parents[2] / "budget").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("dash", "flask"), f"{path.name}: {name}"


def _mixed_world() -> tuple[pl.DataFrame, list[Rule]]:
    """Demo households plus the hand-made own-account and weekly cases, with every rule kind."""
    own = [
        row(-5000, "J. de Vries", "Spaarpot", "NL02BUNQ6340802244", household="O"),
        row(5000, "J. de Vries", "Spaarpot", BEHEER, account="NL02BUNQ6340802244", household="O"),
        row(-17500, "J. de Vries", "Leefgeld week 1 2024", EIGEN, household="O"),
        row(-73750, "J. de Vries", "Teruggave energie doorgestort", EIGEN, household="O"),
    ]
    start = dt.date(2024, 1, 4)
    weekly = [
        row(-17500, "S. de Vries", f"week {i}", EIGEN, day=start + dt.timedelta(weeks=i))
        for i in range(5)
    ]
    world = pl.concat([_demo_frame(i, 4) for i in range(10)] + [frame(own + weekly)])
    first = world.row(0, named=True)
    rules = [
        _rule(1, RuleMatch.NAAM, "S DE VRIES", Rubriek.OVERIG, ketenpartner="Zus"),
        _rule(2, RuleMatch.TRANSACTIE, str(first["tx_key"]), Rubriek.HUUR),
        Rule(
            3,
            str(first["household"]),
            RuleMatch.IBAN,
            str(first["counterparty_iban"]),
            Rubriek.ENERGIE,
            None,
            "jdevries",
            dt.datetime(2024, 3, 12, 10, tzinfo=dt.UTC),
        ),
    ]
    return world, rules


def test_chunks_threads_and_row_order_never_change_the_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, rules = _mixed_world()
    whole = classify(world, rules)
    assert whole.get_column("rule_id").is_in(["coach:1", "coach:2", "coach:3"]).sum() >= 7
    monkeypatch.setattr(classify_module, "CHUNK_ROWS", 150)
    assert_frame_equal(classify(world, rules), whole)
    monkeypatch.setattr(classify_module, "THREADS", 1)
    assert_frame_equal(classify(world, rules), whole)
    order = pl.Series(range(world.height)).sample(fraction=1.0, shuffle=True, seed=3)
    shuffled = classify(world[order.to_numpy()], rules)
    assert_frame_equal(shuffled, whole[order.to_numpy()])


def test_categorical_key_columns_classify_as_strings() -> None:
    world, rules = _mixed_world()
    want = classify(world, rules).select(list(CLASSIFICATION_SCHEMA))
    keys = ["household", "account", "counterparty_iban", "counterparty_name"]
    other = pl.Categorical(pl.Categories("test-classify-other"))
    for given_frame in (
        world.with_columns(pl.col(keys).cast(pl.Categorical)),
        world.with_columns(pl.col("household", "account").cast(pl.Categorical)),
        world.with_columns(pl.col("counterparty_iban", "description").cast(other)),
    ):
        got = classify(given_frame, rules)
        assert got.schema["household"] == given_frame.schema["household"]
        assert_frame_equal(got.select(list(CLASSIFICATION_SCHEMA)), want)
    categorical_rules = rules_frame(rules).with_columns(pl.col("household").cast(pl.Categorical))
    got = classify(world.with_columns(pl.col(keys).cast(pl.Categorical)), categorical_rules)
    assert_frame_equal(got.select(list(CLASSIFICATION_SCHEMA)), want)


_NAMES = [
    None,
    "UWV",
    "SVB",
    "BELASTINGDIENST",
    "BELASTINGDIENST/TOESLAGEN",
    "GEMEENTE UTRECHT",
    "GEMEENTE AMERSFOORT",
    "Gemeente Zeist",
    "DUO",
    "CAK",
    "Vitens NV",
    "Zorg & Zekerheid, afdeling relaties",
    "BghU",
    "Hoogheemraadschap De Stichtse Rijnlanden",
    "K. Jansen",
]
_WORDS = [
    "WW-UITKERING",
    "WGA",
    "WAO",
    "ZORGTOESLAG",
    "HUURTOESLAG",
    "KINDGEBONDEN",
    "BUDGET",
    "KINDERBIJSLAG",
    "KWARTAAL",
    "AOW",
    "2024",
    "PWJ/TAO",
    "01-01-24/31-01-24",
    "AANSLAG",
    "AFVALSTOFFENHEFFING",
    "BIJZONDERE",
    "BIJSTAND",
    "PARTICIPATIEWET",
    "STUDIEFINANCIERING",
    "VOORLOPIGE",
    "TERUGGAAF",
    "EIGEN",
    "BIJDRAGE",
    "WMO",
    "termijn",
    "4417302",
]
_IBANS = [None, "NL32ABNA0057781041", "NL86INGB0002445588", "NL45INGB0705001903"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_NAMES),
            st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join),
            st.sampled_from(_IBANS),
            st.sampled_from([-4500, 12300]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_registry_per_row_agrees_with_the_registry_matcher(
    lines: list[tuple[str | None, str, str | None, int]],
) -> None:
    """Payer and regeling per row are what the registry's own matcher says, for any mix of
    names, IBANs and words (first listed text pattern wins, a municipality needs a text, a
    standalone pattern works without a name), whatever else is in the table."""
    rows = [
        row(amount, name, text, iban, household=f"H{i}", account=f"NL00TEST{i:010d}")
        for i, (name, text, iban, amount) in enumerate(lines)
    ]
    out = classify(frame(rows), [])
    registry = default_registry()
    for (name, text, iban, _), got in zip(lines, out.iter_rows(named=True), strict=True):
        match = registry.match(iban, name, text)
        if match is None:
            assert not got["rule_id"].startswith("register:"), (name, text, iban)
        else:
            assert (got["rule_id"], got["regeling"]) == (
                f"register:{match.payer_id}",
                match.regeling,
            ), (name, text, iban)
