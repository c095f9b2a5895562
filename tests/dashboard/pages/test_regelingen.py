"""Regelingen: what a participant and their coach read about entitlements, and who may not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from dash import Dash
from sqlalchemy import select

from dashboard import create_app
from dashboard.config import DashboardConfig
from dashboard.figures.regelingen import clawback_projection, expected_vs_received
from dashboard.pages import regelingen
from store.access import add_to_caseload, grant_consent
from store.db import session_scope
from store.households import create_household
from store.models import AuditEvent
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, text_of
from tests.dashboard.test_access import open_page

NBSP = "\u00a0"
OUTSIDE = {  # user -> households outside their scope (and the seed for roles without any)
    "deelnemer": ("other", "waiting", "foreign", "missing"),
    "deelnemer2": ("seed", "waiting", "foreign"),
    "jdevries": ("waiting", "other", "foreign", "missing"),
    "abakker": ("seed", "waiting"),
    "analist": ("seed", "other"),
    "beheerder": ("seed",),
}


@pytest.fixture
def app(world: World, config: DashboardConfig) -> Iterator[Dash]:
    app = create_app(world.settings(), config)
    yield app
    app.server.extensions["hhb"].engine.dispose()


def codes(world: World) -> dict[str, str]:
    return {"seed": world.seed, "other": world.other, "waiting": world.waiting,
            "foreign": world.foreign, "missing": "BESTAAT-NIET"}  # fmt: skip


def show(client: DashClient, household: str, year: object) -> dict[str, Any]:
    return client.ok("regelingen.view", {"rg-household.data": household, "rg-year.value": year})


def years(client: DashClient, household: str) -> dict[str, Any]:
    return client.ok("regelingen.years", {"rg-household.data": household})


def with_consent(app: Dash, household: str) -> None:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        add_to_caseload(session, "jdevries", household, "test")
        grant_consent(session, household, "jdevries", "test")


def test_the_participant_sees_the_missed_zorgtoeslag_and_what_to_do(
    as_user: Login, world: World
) -> None:
    client = as_user("deelnemer")
    chosen = years(client, world.seed)["rg-year"]
    assert (chosen["min"], chosen["max"], chosen["value"]) == (2024, 2025, 2024)
    out = show(client, world.seed, chosen["value"])
    assert out["rg-message"]["children"] is None
    missed = text_of(out["rg-missed"]["children"])
    assert "Zorgtoeslag" in missed and f"ongeveer €{NBSP}1.482,96 per jaar (schatting)" in missed
    assert "Vraag zorgtoeslag aan bij Dienst Toeslagen" in missed
    assert "Bijstand" in missed and "Wat te doen" in missed
    basis = text_of(out["rg-basis"]["children"])
    assert "Gebaseerd op: afschriften van 01-01-2024 t/m 30-04-2024" in basis
    assert "Het toetsingsinkomen is een schatting" in basis
    per_regeling = text_of(out["rg-regelingen"]["children"])
    assert f"Recht in 12 van de 12 maanden; verwacht €{NBSP}1.482,96 (schatting)" in per_regeling
    for status in ("gemist", "geen afschriften", "nog niet te zien", "geen recht",
                   "niet berekend"):  # fmt: skip
        assert status in per_regeling, status
    assert "Individuele inkomenstoeslag Amersfoort: Deze regeling geldt alleen" in per_regeling


def test_each_regeling_month_says_how_it_is_calculated(as_user: Login, world: World) -> None:
    out = show(as_user("deelnemer"), world.seed, 2024)
    text = text_of(out["rg-regelingen"]["children"])
    # twelve equal zorgtoeslag months share one derivation, with steps, sources and status
    assert "Hoe is dit berekend? (januari 2024 t/m december 2024)" in text
    assert "Standaardpremie voor het huishouden" in text
    assert "Het toetsingsinkomen (€ 18.163,71) min het drempelinkomen (€ 26.819,00)" in text
    assert "grondslag: Wzt art 2 lid 1" in text
    assert "Gebruikte parameters (waarde, bron, status)" in text and "te verifiëren" in text
    assert "[voldaan] 18 jaar of ouder (Wzt art 1)" in text
    # bijstand differs in March (no right): its own derivation with the failed condition
    assert "Hoe is dit berekend? (maart 2024)" in text
    assert "[niet voldaan]" in text
    assert "Niet berekend: parameter niet gevonden: minimum basishuur" in text


def test_the_chart_compares_expected_and_received_per_month(as_user: Login, world: World) -> None:
    out = show(as_user("deelnemer"), world.seed, 2024)
    figure = out["rg-chart"]["figure"]
    assert figure["layout"]["separators"] == ",."
    expected, received = figure["data"]
    assert (expected["name"], received["name"]) == ("Verwacht", "Ontvangen")
    assert expected["x"][1] == "februari 2024"
    assert expected["customdata"][1][0] == f"€{NBSP}312,39"  # zorgtoeslag + bijstand
    assert "Zorgtoeslag: €" in expected["customdata"][1][1]
    assert received["y"][3] == 0 and received["y"][4] is None  # nothing seen after April
    table = text_of(out["rg-chart-table"]["children"])
    assert f"februari 2024 €{NBSP}312,39" in table
    claw = out["rg-clawback-chart"]["figure"]
    assert claw["layout"]["annotations"][0]["text"] == "Geen terugbetaling verwacht"


def test_the_coach_sees_a_clawback_with_advice_and_the_reservation(
    app: Dash, as_user: Login, world: World
) -> None:
    with_consent(app, world.foreign)
    out = show(as_user("jdevries"), world.foreign, 2024)
    claws = text_of(out["rg-clawbacks"]["children"])
    assert f"Verwacht terug te betalen: €{NBSP}657,96." in claws
    assert "geef uw verwachte inkomen door aan Dienst Toeslagen" in claws
    assert "reserveer € 82,25 per maand" in claws
    buffer = text_of(out["rg-buffer"]["children"])
    assert "Reserveer € 82,25 per maand vanaf mei 2024" in buffer
    reserved, to_pay = out["rg-clawback-chart"]["figure"]["data"]
    assert reserved["x"][0] == "mei 2024" and reserved["x"][-1] == "januari 2025"
    assert reserved["y"][1] == 82.25 and reserved["y"][-1] == 657.96
    assert set(to_pay["y"]) == {657.96} and to_pay["line"]["dash"] == "dash"


def test_the_coach_with_consent_reads_the_same_as_the_participant(
    as_user: Login, world: World
) -> None:
    mine = show(as_user("deelnemer"), world.seed, 2024)
    coach = show(as_user("jdevries"), world.seed, 2024)
    for part in ("rg-missed", "rg-regelingen", "rg-clawbacks"):
        assert text_of(coach[part]["children"]) == text_of(mine[part]["children"]), part


@pytest.mark.parametrize(
    ("year", "reason"),
    [
        (1999, "kies een jaar van 2024 tot en met 2025"),
        (2031, "kies een jaar van 2024 tot en met 2025"),
        ("twintig", "vul een jaar in, bijvoorbeeld 2024"),
        ([2024], "vul een jaar in"),
    ],
)
def test_a_wrong_year_is_one_dutch_sentence(
    as_user: Login, world: World, year: object, reason: str
) -> None:
    out = show(as_user("deelnemer"), world.seed, year)
    message = text_of(out["rg-message"]["children"])
    assert message.startswith("Deze regelingen zijn niet te tonen: ") and reason in message
    assert out["rg-regelingen"]["children"] is None


def test_a_household_without_transactions_says_so(app: Dash, as_user: Login) -> None:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        create_household(session, "LEEG", "test")
    with_consent(app, "LEEG")
    coach = as_user("jdevries")
    out = years(coach, "LEEG")
    assert out["rg-year"]["value"] is None
    assert "nog geen transacties" in text_of(out["rg-years-message"]["children"])
    shown = show(coach, "LEEG", 2024)
    assert "nog geen transacties" in text_of(shown["rg-message"]["children"])


def test_without_a_year_nothing_is_computed(as_user: Login, world: World) -> None:
    response = as_user("deelnemer").call("regelingen.view", {"rg-household.data": world.seed})
    assert response.status_code == 204


@pytest.mark.parametrize("username", sorted(OUTSIDE))
def test_every_household_outside_the_scope_gets_403(
    as_user: Login, world: World, username: str
) -> None:
    client = as_user(username)
    for target in OUTSIDE[username]:
        for action in ("regelingen.years", "regelingen.view"):
            values = {"rg-household.data": codes(world)[target], "rg-year.value": 2024}
            response = client.call(action, values)
            assert response.status_code == 403, (username, target, action)


def test_the_page_itself_refuses_outside_the_scope(as_user: Login, world: World) -> None:
    path = "/huishouden/{}/regelingen"
    assert "Regelingen" in open_page(as_user("deelnemer"), path.format(world.seed))
    assert "Geen toegang" in open_page(as_user("deelnemer"), path.format(world.other))
    assert "Geen toegang" in open_page(as_user("jdevries"), path.format(world.waiting))
    assert "Geen toegang" in open_page(as_user("analist"), path.format(world.seed))


def test_a_view_is_audited_and_a_refusal_too(app: Dash, as_user: Login, world: World) -> None:
    show(as_user("deelnemer"), world.seed, 2024)
    as_user("jdevries").call(
        "regelingen.view", {"rg-household.data": world.waiting, "rg-year.value": 2024}
    )
    with session_scope(app.server.extensions["hhb"].engine) as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)).all()
    assert ("deelnemer", "dashboard.regelingen.view", "") in [tuple(r) for r in rows]
    assert ("jdevries", "access.refused", "regelingen.view: huishouden buiten bereik") in [
        tuple(r) for r in rows
    ]


def test_months_run_together_in_the_summary() -> None:
    months = [dt.date(2024, m, 1) for m in (1, 2, 3, 5, 7, 8)]
    assert regelingen.months_text(months) == (
        "januari 2024 t/m maart 2024, mei 2024, juli 2024 t/m augustus 2024")  # fmt: skip


def test_the_expected_vs_received_figure_stops_received_at_the_statements() -> None:
    months = pl.DataFrame(
        {
            "month": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
            "regeling": ["zorgtoeslag", "bijstand", "zorgtoeslag"],
            "expected_cents": [12358, None, 12358],
            "received_cents": [12300, 0, 0],
        }
    )
    fig = expected_vs_received(months, {"zorgtoeslag": "Zorgtoeslag"}, dt.date(2024, 1, 1))
    expected, received = fig.data
    assert list(expected.y) == [123.58, 123.58]
    assert list(received.y) == [123.0, None]
    assert expected.customdata[0][1] == f"Zorgtoeslag: €{NBSP}123,58"
    assert received.customdata[1][0] == "–"
    assert {expected.marker.pattern.shape, received.marker.pattern.shape} == {"", "/"}


def test_the_clawback_projection_caps_the_reservation_at_the_amount() -> None:
    claws = pl.DataFrame(
        {
            "regeling": ["zorgtoeslag", "huurtoeslag"],
            "year": [2024, 2024],
            "to_pay_cents": [1000, 0],
            "monthly_reservation_cents": [400, 0],
            "as_of": [dt.date(2024, 10, 1)] * 2,
            "due_earliest": [dt.date(2025, 1, 1)] * 2,
        }
    )
    fig = clawback_projection(claws, {"zorgtoeslag": "Zorgtoeslag"})
    reserved, level = fig.data
    assert list(reserved.x) == ["oktober 2024", "november 2024", "december 2024", "januari 2025"]
    assert list(reserved.y) == [0.0, 4.0, 8.0, 10.0]
    assert reserved.name == "Gereserveerd voor Zorgtoeslag 2024"
    assert list(level.y) == [10.0] * 4
