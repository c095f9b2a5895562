"""Household facts from the database (SQLite and PostgreSQL): where a household lives, who lives
there, its income and the regelingen received from the classified transactions; the columns of
modules still being built stay empty and say so."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import Engine

from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from ingest.profile import load_profile
from reports.facts import (
    FACTS_SCHEMA,
    PENDING,
    HouseholdType,
    Regeling,
    build_facts,
    fill,
    regeling_column,
)
from store.db import session_scope
from store.households import create_household, get_household
from store.importing import store_result
from store.profiles import record_profile

ACCOUNTS = {"H1": "NL05INGB0751963427", "H2": "NL91ABNA0417164300", "H3": "NL69INGB0123456789"}

PROFILES = {
    "H1": """formaat: hhb-huishoudprofiel
versie: 1
gemeente: GM0344
postcode: 3533 AB
wijk: WK034401
coach: jdevries
deelname: {van: 2024-01-01}
leden:
  - {rol: aanvrager, geboortedatum: 1988-04-12, naam: Fatima}
""",
    "H2": """formaat: hhb-huishoudprofiel
versie: 1
gemeente: GM0344
postcode: 3533 AC
coach: jdevries
deelname: {van: 2023-06-01}
leden:
  - {rol: aanvrager, geboortedatum: 1980-01-01}
  - {rol: toeslagpartner, geboortedatum: 1981-01-01}
  - {rol: kind, geboortedatum: 2015-05-05}
""",
    "H3": """formaat: hhb-huishoudprofiel
versie: 1
gemeente: GM0307
postcode: 3812 BX
coach: mbakker
deelname: {van: 2024-01-01, tot: 2024-06-30}
leden:
  - {rol: aanvrager, geboortedatum: 1970-01-01}
  - {rol: kind, geboortedatum: 2010-01-01}
""",
}


def _tx(account: str, day: dt.date, cents: int, name: str, text: str) -> RawTransaction:
    return RawTransaction(account, day, cents, "EUR", day, None, name, text)


def _import(engine: Engine, code: str, txs: list[RawTransaction]) -> None:
    result = ExtractResult(
        SourceFormat.CSV,
        "ING",
        "test",
        (Statement(account=ACCOUNTS[code], transactions=tuple(txs)),),
    )
    with session_scope(engine) as session:
        household = get_household(session, code)
        store_result(session, household, result, repr(txs).encode(), "x.csv", "test", "coach")


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        for code, text in PROFILES.items():
            create_household(session, code, "test")
            profile = load_profile(text.encode(), f"{code}.yaml")
            record_profile(session, code, profile, profile.participation.start, "test")
    a = ACCOUNTS["H1"]
    h1 = []
    for month in (1, 2):
        day = dt.date(2024, month, 20)
        h1 += [
            _tx(a, day, 150000, "Werkgever BV", f"SALARIS {month:02d}-2024"),
            _tx(a, day, 12300, "Belastingdienst Toeslagen", "ZORGTOESLAG 2024 VOORSCHOT"),
            _tx(a, day + dt.timedelta(days=2), -70000, "Portaal", "Huur"),
        ]
    _import(engine, "H1", h1)
    b = ACCOUNTS["H2"]
    _import(
        engine,
        "H2",
        [_tx(b, dt.date(2024, 3, 1), 130000, "Gemeente Utrecht", "BIJSTAND PERIODE 03-2024")],
    )
    return engine


def _row(frame: pl.DataFrame, code: str) -> dict[str, object]:
    return frame.filter(pl.col("household") == code).row(0, named=True)


def test_facts_from_profiles_and_classified_transactions(db: Engine) -> None:
    with session_scope(db) as session:
        facts = build_facts(session, 2024)
    assert dict(facts.frame.schema) == FACTS_SCHEMA
    assert sorted(facts.frame["household"]) == ["H1", "H2", "H3"]
    h1 = _row(facts.frame, "H1")
    assert (h1["municipality"], h1["wijk"]) == ("GM0344", "WK034401")
    assert h1["household_type"] == HouseholdType.ALLEENSTAAND
    assert (h1["members"], h1["children"], h1["months_observed"]) == (1, 0, 2)
    assert h1["net_income_year_cents"] == 2 * (150000 + 12300)
    assert h1[regeling_column(Regeling.ZORGTOESLAG, "received_year_cents")] == 24600
    assert h1[regeling_column(Regeling.ZORGTOESLAG, "receiving")] is True
    assert h1[regeling_column(Regeling.HUURTOESLAG, "receiving")] is False
    h2 = _row(facts.frame, "H2")
    assert h2["household_type"] == HouseholdType.PAAR_MET_KINDEREN and h2["wijk"] is None
    assert h2[regeling_column(Regeling.BIJSTAND, "received_year_cents")] == 130000
    assert _row(facts.frame, "H3")["household_type"] == HouseholdType.EENOUDER


def test_no_statements_means_unknown_not_zero(db: Engine) -> None:
    with session_scope(db) as session:
        h3 = _row(build_facts(session, 2024).frame, "H3")
    assert h3["months_observed"] == 0
    assert h3["net_income_year_cents"] is None
    assert h3[regeling_column(Regeling.ZORGTOESLAG, "receiving")] is None


def test_columns_of_modules_still_being_built_are_empty_and_say_why(db: Engine) -> None:
    with session_scope(db) as session:
        facts = build_facts(session, 2024)
    for column, why in PENDING.items():
        assert facts.frame[column].null_count() == facts.frame.height, column
        assert facts.unavailable[column].startswith("nog niet beschikbaar"), column
        assert why == facts.unavailable[column]
    assert not facts.available("open_signals")
    assert facts.available("net_income_year_cents", "household_type")


def test_municipality_and_participation_select_households(db: Engine) -> None:
    with session_scope(db) as session:
        assert build_facts(session, 2024, "GM0307").frame["household"].to_list() == ["H3"]
        assert build_facts(session, 2023).frame["household"].to_list() == ["H2"]
        assert build_facts(session, 2025).frame["household"].sort().to_list() == ["H1", "H2"]


def test_fill_adds_a_domain_module_result(db: Engine) -> None:
    with session_scope(db) as session:
        facts = build_facts(session, 2024)
    update = pl.DataFrame({"household": ["H1"], "year": [2024], "open_signals": [3]})
    filled = fill(facts, update, "budget.signals")
    assert _row(filled.frame, "H1")["open_signals"] == 3
    assert _row(filled.frame, "H2")["open_signals"] is None
    assert filled.available("open_signals") and filled.sources["open_signals"] == "budget.signals"


def test_missed_must_mean_eligible_and_not_receiving(db: Engine) -> None:
    with session_scope(db) as session:
        facts = build_facts(session, 2024)
    z = Regeling.ZORGTOESLAG
    update = pl.DataFrame(
        {
            "household": ["H1"],
            "year": [2024],
            regeling_column(z, "eligible"): [True],
            regeling_column(z, "missed"): [True],  # but H1 receives zorgtoeslag
        }
    )
    with pytest.raises(ValueError, match="missed"):
        fill(facts, update, "entitlement")


def test_households_restricts_the_facts_to_a_caseload(db: Engine) -> None:
    with session_scope(db) as session:
        everyone = build_facts(session, 2024)
        caseload = build_facts(session, 2024, households={"H1", "H3", "UNKNOWN"})
        none = build_facts(session, 2024, households=[])
        gm0344 = build_facts(session, 2024, "GM0344", households=["H1", "H3"])
    assert caseload.frame["household"].to_list() == ["H1", "H3"]
    assert caseload.frame.equals(everyone.frame.filter(pl.col("household").is_in(["H1", "H3"])))
    assert none.frame.height == 0 and dict(none.frame.schema) == FACTS_SCHEMA
    assert gm0344.frame["household"].to_list() == ["H1"]
