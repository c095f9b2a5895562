"""Overzicht: the month table a participant and their coach read, and the coach's notes."""

from __future__ import annotations

import base64
from typing import Any

from dash import Dash

from store.access import add_to_caseload, grant_consent
from store.db import session_scope
from store.households import create_household
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import text_of

NBSP = "\u00a0"


def show(client: Any, household: str, first: str | None, last: str | None) -> dict[str, Any]:
    values = {"ov-household.data": household, "ov-first.value": first, "ov-last.value": last}
    result: dict[str, Any] = client.ok("overview.view", values)
    return result


def test_the_seed_months_add_up_to_the_cent_as_in_the_huishoudboekje(
    as_user: Login, world: World
) -> None:
    out = show(as_user("deelnemer"), world.seed, "2024-01", "2024-03")
    table = text_of(out["ov-table"]["children"])
    assert "januari 2024" in table and "maart 2024" in table
    for amount in ("-85,36", "-195,81", "+1,40", "+553,49", "-281,17", "-279,77", "+273,72"):
        assert f"€{NBSP}{amount}" in table, amount
    assert "Saldo begin van periode" in table and "Saldo eind van periode" in table
    figure = out["ov-graph"]["figure"]
    assert figure["layout"]["separators"] == ",."
    assert [t["name"] for t in figure["data"]] == ["Inkomsten", "Uitgaven",
                                                   "Saldo eind van de maand"]  # fmt: skip


def test_without_a_choice_the_last_three_months_with_data_are_shown(
    as_user: Login, world: World
) -> None:
    out = show(as_user("deelnemer"), world.seed, None, None)
    assert (out["ov-first"]["min"], out["ov-first"]["max"]) == ("2024-01", "2024-04")
    assert (out["ov-last"]["min"], out["ov-last"]["max"]) == ("2024-01", "2024-04")
    assert (out["ov-first"]["value"], out["ov-last"]["value"]) == ("2024-02", "2024-04")
    assert "april 2024" in text_of(out["ov-table"]["children"])


def test_the_coach_with_consent_sees_the_same_table(as_user: Login, world: World) -> None:
    mine = show(as_user("deelnemer"), world.seed, "2024-01", "2024-02")
    coach = show(as_user("jdevries"), world.seed, "2024-01", "2024-02")
    assert text_of(coach["ov-table"]["children"]) == text_of(mine["ov-table"]["children"])


def test_an_impossible_range_is_explained_in_dutch(as_user: Login, world: World) -> None:
    client = as_user("deelnemer")
    backwards = show(client, world.seed, "2024-03", "2024-01")
    assert "de laatste maand ligt voor de eerste" in text_of(backwards["ov-message"]["children"])
    too_long = show(client, world.seed, "2020-01", "2024-01")
    assert "hoogstens 36 maanden" in text_of(too_long["ov-message"]["children"])


def test_a_household_without_transactions_says_so(app: Dash, as_user: Login, world: World) -> None:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        create_household(session, "LEEG", "test")
        add_to_caseload(session, "jdevries", "LEEG", "test")
        grant_consent(session, "LEEG", "jdevries", "test")
    out = show(as_user("jdevries"), "LEEG", None, None)
    assert "nog geen transacties" in text_of(out["ov-message"]["children"])


def test_a_coach_note_is_kept_per_month_and_the_participant_reads_it(
    as_user: Login, world: World
) -> None:
    coach = as_user("jdevries")
    months = coach.ok("note.months", {"ov-first.value": "2024-01", "ov-last.value": "2024-02"})
    note_month = months["ov-note-month"]
    assert (note_month["min"], note_month["max"], note_month["value"]) == (
        "2024-01", "2024-02", "2024-02")  # fmt: skip
    saved = coach.ok("note.write", {
        "ov-note-save.n_clicks": 1, "ov-note-month.value": "2024-02",
        "ov-note-text.value": "Huur besproken", "ov-first.value": "2024-01",
        "ov-last.value": "2024-02", "ov-household.data": world.seed,
    })  # fmt: skip
    assert "Notitie opgeslagen" in text_of(saved["ov-note-status"]["children"])
    assert "Huur besproken" in text_of(saved["ov-notes"]["children"])
    empty = coach.ok("note.write", {
        "ov-note-save.n_clicks": 2, "ov-note-month.value": "2024-02", "ov-note-text.value": " ",
        "ov-household.data": world.seed,
    })  # fmt: skip
    assert "leeg" in text_of(empty["ov-note-status"]["children"])
    seen = show(as_user("deelnemer"), world.seed, "2024-02", "2024-02")
    notes = text_of(seen["ov-notes"]["children"])
    assert "februari 2024" in notes and "Huur besproken" in notes and "jdevries" in notes


def make_report(client: Any, household: str, value: str | None) -> dict[str, Any]:
    values = {"ov-report-go.n_clicks": 1, "ov-report-month.value": value,
              "ov-household.data": household}  # fmt: skip
    result: dict[str, Any] = client.ok("report.month", values)
    return result


def test_the_coach_downloads_the_month_report_as_a_pdf(as_user: Login, world: World) -> None:
    out = make_report(as_user("jdevries"), world.seed, "2024-03")
    download = out["ov-report-download"]["data"]
    assert download["filename"] == f"maandrapport-{world.seed}-2024-03.pdf"
    assert base64.b64decode(download["content"]).startswith(b"%PDF-")
    assert "maart 2024" in text_of(out["ov-report-status"]["children"])


def test_a_month_without_statements_or_a_wrong_month_is_explained(
    as_user: Login, world: World
) -> None:
    client = as_user("deelnemer")
    empty = make_report(client, world.seed, "2019-01")
    assert "geen afschriften van januari 2019" in text_of(empty["ov-report-status"]["children"])
    wrong = make_report(client, world.seed, "maart")
    assert "Kies een maand" in text_of(wrong["ov-report-status"]["children"])
