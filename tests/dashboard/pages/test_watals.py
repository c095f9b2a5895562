"""Wat als: the income change simulator, its checks on every input, and who may not use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from dash import Dash

from dashboard import create_app
from dashboard.config import DashboardConfig
from dashboard.pages.watals import parse_amount
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, text_of
from tests.dashboard.pages.test_regelingen import (
    OUTSIDE,
    codes,
    with_consent,
)
from tests.dashboard.test_access import open_page

NBSP = "\u00a0"


@pytest.fixture
def app(world: World, config: DashboardConfig) -> Iterator[Dash]:
    app = create_app(world.settings(), config)
    yield app
    app.server.extensions["hhb"].engine.dispose()


def calculate(
    client: DashClient, household: str, month: object, amount: object, *, gross: bool = False,
    clicks: int | None = 1,
) -> dict[str, Any]:  # fmt: skip
    button = "wa-go-gross" if gross else "wa-go"
    values = {
        f"{button}.n_clicks": clicks,
        "wa-month.value": month,
        "wa-amount.value": amount,
        "wa-household.data": household,
    }
    changed = [f"{button}.n_clicks"] if clicks else []
    result: dict[str, Any] = client.ok("whatif.view", values, changed=changed)
    return result


def test_the_page_opens_on_the_month_after_the_statements(as_user: Login, world: World) -> None:
    out = calculate(as_user("deelnemer"), world.seed, None, None, clicks=None)
    month = out["wa-month"]
    assert (month["min"], month["max"], month["value"]) == ("2024-01", "2025-12", "2024-05")
    assert out["wa-result"]["children"] is None and out["wa-message"]["children"] is None


def test_more_income_lowers_the_zorgtoeslag_and_raises_the_clawback(
    app: Dash, as_user: Login, world: World
) -> None:
    with_consent(app, world.foreign)
    out = calculate(as_user("jdevries"), world.foreign, "2024-06", "+500")
    assert out["wa-message"]["children"] is None
    text = text_of(out["wa-result"]["children"])
    assert "Vanaf juni 2024: netto € +500,00 per maand" in text
    assert "Toetsingsinkomen 2024: nu €" in text
    assert f"Zorgtoeslag €{NBSP}818,04 €{NBSP}0,00 €{NBSP}-818,04" in text
    assert f"Zorgtoeslag januari 2024 €{NBSP}68,17 €{NBSP}0,00 €{NBSP}-68,17" in text
    assert f"Zorgtoeslag 2024 €{NBSP}657,96 €{NBSP}1.476,00" in text
    assert "Advies na de verandering" in text and "Verwacht: € 1.476,00 terugbetalen" in text


def test_a_gross_change_is_taken_as_given(as_user: Login, world: World) -> None:
    out = calculate(as_user("deelnemer"), world.seed, "2024-06", "-250,50", gross=True)
    text = text_of(out["wa-result"]["children"])
    assert "bruto € -250,50 per maand (opgegeven als bruto)" in text
    assert "Per regeling in 2024" in text and "Bijstand (Participatiewet)" in text


@pytest.mark.parametrize(
    ("month", "amount", "reason"),
    [
        ("2024-06", None, "vul de verandering van het inkomen per maand in"),
        ("2024-06", "  ", "vul de verandering van het inkomen per maand in"),
        ("2024-06", "veel", "'veel' is geen bedrag in euro's (bijvoorbeeld +250 of -100,50)"),
        ("2024-06", "Infinity", "is geen bedrag in euro's"),
        ("2024-06", "1e9", "is geen bedrag in euro's"),
        ("2024-06", "12,345", "een positief bedrag met hoogstens twee decimalen"),
        ("2024-06", "0", "verandert niets"),
        ("2024-06", "+250000", "een verandering van hoogstens €\u00a0100.000,00 per maand"),
        (None, "+100", "kies de maand vanaf wanneer het inkomen verandert"),
        ("juni", "+100", "maand 'juni' is ongeldig"),
        ("2030-01", "+100", "kies een maand van januari 2024 t/m december 2025"),
        (["2024-06"], "+100", "kies de maand"),
    ],
)
def test_wrong_input_is_one_dutch_sentence(
    as_user: Login, world: World, month: object, amount: object, reason: str
) -> None:
    out = calculate(as_user("deelnemer"), world.seed, month, amount)
    message = text_of(out["wa-message"]["children"])
    assert message.startswith("Dit is niet te berekenen: ") and reason in message, message
    assert out["wa-result"]["children"] is None


def test_amounts_are_read_the_dutch_way() -> None:
    assert parse_amount("+1.000") == 100000
    assert parse_amount("-250,50") == -25050
    assert parse_amount("€ 75") == 7500
    assert parse_amount(40) == 4000


@pytest.mark.parametrize("username", sorted(OUTSIDE))
def test_every_household_outside_the_scope_gets_403(
    as_user: Login, world: World, username: str
) -> None:
    client = as_user(username)
    for target in OUTSIDE[username]:
        for clicks in (None, 1):
            response = client.call("whatif.view", {
                "wa-go.n_clicks": clicks, "wa-month.value": "2024-06",
                "wa-amount.value": "+100", "wa-household.data": codes(world)[target],
            })  # fmt: skip
            assert response.status_code == 403, (username, target, clicks)


def test_the_page_itself_refuses_outside_the_scope(as_user: Login, world: World) -> None:
    path = "/huishouden/{}/wat-als"
    assert "Wat als" in open_page(as_user("jdevries"), path.format(world.seed))
    assert "Geen toegang" in open_page(as_user("jdevries"), path.format(world.waiting))
    assert "Geen toegang" in open_page(as_user("deelnemer2"), path.format(world.seed))
    assert "Geen toegang" in open_page(as_user("beheerder"), path.format(world.seed))
