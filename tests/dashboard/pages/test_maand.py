"""Mijn maand: this month's income, fixed costs, leefgeld, saldo and signals, for the
participant and their coach, with the two charts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from dash import Dash
from sqlalchemy import select

from budget.forecast import forecast
from budget.recurring import detect_recurring
from budget.schedule import prepare
from budget.signals import attach_rubriek, household_context
from dashboard import data
from store.access import add_to_caseload, grant_consent
from store.classification import classified_transactions
from store.db import session_scope
from store.households import create_household
from store.models import AuditEvent
from tests.budget.test_signals import Row, frame, month, series_of
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, text_of
from tests.dashboard.test_access import open_page

NBSP = "\u00a0"


def show(client: DashClient, household: str, month: str | None) -> dict[str, Any]:
    return client.ok("month.view", {"mm-household.data": household, "mm-month.value": month})


def test_the_last_month_of_the_statements_is_shown_by_default(as_user: Login, world: World) -> None:
    out = show(as_user("deelnemer"), world.seed, None)
    assert (out["mm-month"]["min"], out["mm-month"]["max"]) == ("2024-01", "2024-04")
    assert out["mm-month"]["value"] == "2024-04"
    summary = text_of(out["mm-summary"]["children"])
    assert "April 2024, tot en met 30 april 2024" in summary
    # April 2024 of the seed household: UWV 457,34 + 637,68 in; rent, energy, water and
    # health insurance out; the balance as the overview's closing balance of April.
    assert f"€{NBSP}1.095,02" in summary and "2 betalingen ontvangen" in summary
    assert f"€{NBSP}804,46" in summary and f"deze maand komt er nog €{NBSP}0,00" in summary
    assert f"€{NBSP}273,72" in summary and "alle rekeningen samen" in summary
    assert f"€{NBSP}71,08 per week" in summary and "Hoe is dit berekend?" in summary
    signals = text_of(out["mm-signals"]["children"])
    assert "Hoog:  saldo te laag (01-04-2024)" in signals
    assert "Let op:  ander bedrag dan verwacht (03-04-2024)" in signals
    details = text_of(out["mm-details"]["children"])
    assert "Huur Portaal" not in details  # paid rows name the counterparty as booked
    assert "Portaal" in details and "Deze maand worden geen vaste lasten meer verwacht" in details


def test_the_charts_have_titles_dutch_separators_and_a_table(as_user: Login, world: World) -> None:
    out = show(as_user("deelnemer"), world.seed, "2024-04")
    flows = out["mm-flows"]["figure"]
    assert flows["layout"]["separators"] == ",."
    assert flows["layout"]["title"]["text"] == "Inkomsten, vaste lasten en leefgeld per maand"
    assert [t["name"] for t in flows["data"]] == ["Inkomsten", "Vaste lasten", "Leefgeld"]
    assert [t["marker"]["pattern"]["shape"] for t in flows["data"]] == ["", "/", "."]
    assert flows["data"][0]["customdata"][-1] == f"€{NBSP}1.095,02"
    balance = out["mm-balance"]["figure"]
    assert balance["layout"]["title"]["text"] == "Saldo en verwacht saldo"
    names = [t["name"] for t in balance["data"]]
    assert "Saldo eind van de maand" in names and "Verwacht saldo" in names
    table = text_of(out["mm-balance-table"]["children"])
    assert "30-04-2024" in table and "Band laag" in table
    assert "januari 2024" in text_of(out["mm-flows-table"]["children"])


def test_an_earlier_month_and_a_month_without_statements(as_user: Login, world: World) -> None:
    client = as_user("deelnemer")
    february = text_of(show(client, world.seed, "2024-02")["mm-summary"]["children"])
    assert "Februari 2024, tot en met 29 februari 2024" in february
    later = show(client, world.seed, "2025-01")
    message = text_of(later["mm-message"]["children"])
    assert "Deze maand kan niet worden getoond" in message and "nog niets bekend" in message
    wrong = show(client, world.seed, "2024-13")
    assert "kan niet worden getoond" in text_of(wrong["mm-message"]["children"])


def test_the_coach_with_consent_sees_the_same_month(as_user: Login, world: World) -> None:
    mine = show(as_user("deelnemer"), world.seed, "2024-03")
    coach = show(as_user("jdevries"), world.seed, "2024-03")
    assert text_of(coach["mm-summary"]["children"]) == text_of(mine["mm-summary"]["children"])
    refused = as_user("jdevries").call(
        "month.view", {"mm-household.data": world.waiting, "mm-month.value": None}
    )
    assert refused.status_code == 403


def test_a_view_is_audited(app: Dash, as_user: Login, world: World) -> None:
    show(as_user("jdevries"), world.seed, "2024-04")
    with session_scope(app.server.extensions["hhb"].engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "jdevries")
        ).all()
    assert "dashboard.month.view" in actions


def test_a_household_without_transactions_says_so(app: Dash, as_user: Login) -> None:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        create_household(session, "LEEG", "test")
        add_to_caseload(session, "jdevries", "LEEG", "test")
        grant_consent(session, "LEEG", "jdevries", "test")
    out = show(as_user("jdevries"), "LEEG", None)
    assert "nog geen transacties" in text_of(out["mm-message"]["children"])


def test_mid_month_fixed_costs_still_to_come_agree_with_the_forecast(
    app: Dash, world: World
) -> None:
    as_of = dt.date(2024, 4, 15)
    with session_scope(app.server.extensions["hhb"].engine) as session:
        view = data.month_view(session, world.seed, dt.date(2024, 4, 1), until=as_of)
        classified = classified_transactions(session, world.seed, None, as_of)
    assert view.as_of == as_of and view.week_start == dt.date(2024, 4, 15)
    assert view.fixed_due and all(as_of < p.day <= dt.date(2024, 4, 30) for p in view.fixed_due)
    assert all(p.amount_cents < 0 for p in view.fixed_due)
    # the same payments the forecast expects in April from the fixed-cost series
    series = attach_rubriek(detect_recurring(classified, as_of=as_of), classified)
    fc = forecast(series, classified, household_context(world.seed, as_of), months=1)
    fixed = prepare(series).frame.filter(pl.col("fixed") & (pl.col("sign") < 0))["series"]
    expected = fc.contributions.filter(pl.col("series").cast(pl.String).is_in(fixed.implode()))
    assert -view.fixed_due_cents == expected["amount_cents"].sum()
    # the budget of the last complete month (March), minus leefgeld spent since Monday
    assert view.budget is not None and view.budget.month == dt.date(2024, 3, 1)
    left = view.leefgeld_left_week_cents
    assert left == view.budget.leefgeld_week_cents - view.leefgeld_spent_week_cents
    assert view.history[-1].day == as_of and view.history[-1].balance_cents == view.balance_cents


def test_a_participant_lands_on_their_month_and_the_other_roles_on_the_start_page(
    app: Dash, as_user: Login, world: World
) -> None:
    participant = open_page(as_user("deelnemer"), "/")
    assert "Welkom, deelnemer" in participant and "Mijn maand" in participant
    assert "Signalen" in participant and "Ga naar" not in participant
    with session_scope(app.server.extensions["hhb"].engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "deelnemer")
        ).all()
    assert "dashboard.month.page" in actions  # the month page's own guard ran
    # the page at / is the month page of their own household: its data comes from there
    out = show(as_user("deelnemer"), world.seed, None)
    assert out["mm-month"]["value"] == "2024-04"
    for username in ("jdevries", "analist", "beheerder"):
        start = open_page(as_user(username), "/")
        assert f"Welkom, {username}" in start and "Ga naar" in start
        assert "Mijn maand" not in start and "Signalen" not in start


def test_rent_paid_early_is_not_still_to_pay_this_month() -> None:
    """The month page's "nog te betalen" list follows the forecast: October's rent, paid on
    the 13th instead of the 25th, is not listed again."""
    rows: list[Row] = [(month(m, 25), -60000, "Portaal") for m in range(1, 10)]
    rows += [(month(m, 10), 150000, "UWV") for m in range(1, 11)]
    rows.append((month(10, 13), -60000, "Portaal"))
    as_of = month(10, 15)
    tx = frame(rows)
    series = series_of(tx, as_of)
    fc = forecast(series, tx, household_context("h1", as_of), months=2)
    assert data.fixed_costs_due(series, as_of, month(10, 31)) != []  # by the detector's date alone
    assert data.fixed_costs_due(series, as_of, month(10, 31), fc.next_dates) == []
    november = data.fixed_costs_due(series, month(10, 31), month(11, 30), fc.next_dates)
    assert [p.amount_cents for p in november] == [-60000]  # on the detector's calendar scale
    assert month(11, 24) <= november[0].day <= month(11, 25)  # the 25th of 31 days: the 24th
