"""Mijn gegevens: profile, consent that counts at once, export of everything, the audit log."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from typing import Any

from dash import Dash
from sqlalchemy import func, select

from store.db import session_scope
from store.households import get_household
from store.models import Transaction
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, pattern_prop, text_of


def consent_click(client: DashClient, household: str, coach: str, do: str) -> dict[str, Any]:
    ident = {"type": "gg-consent", "coach": coach, "do": do}
    pattern = json.dumps({"coach": ["ALL"], "do": ["ALL"], "type": "gg-consent"},
                         separators=(",", ":"))  # fmt: skip
    values = {pattern: [(ident, 1)], "gg-consent-version.data": 0, "gg-household.data": household}
    return client.ok("consent.change", values, changed=[pattern_prop(ident, "n_clicks")])


def test_the_profile_and_its_history_are_shown(as_user: Login, world: World) -> None:
    out = as_user("deelnemer").ok("profile.view", {"gg-household.data": world.seed})
    text = text_of(out["gg-profile"]["children"])
    assert "GM0344" in text and "jdevries" in text and "aanvrager" in text
    assert "Geschiedenis van het profiel" in text and "profile.yaml" in text


def test_withdrawn_consent_refuses_the_coach_at_the_next_click(
    as_user: Login, world: World
) -> None:
    participant, coach = as_user("deelnemer"), as_user("jdevries")
    view = {"ov-household.data": world.seed}
    assert coach.call("overview.view", view).status_code == 200
    listed = participant.ok("consent.view", {"gg-household.data": world.seed})
    assert "heeft toegang sinds" in text_of(listed["gg-consents"]["children"])

    out = consent_click(participant, world.seed, "jdevries", "revoke")
    assert "jdevries heeft geen toegang meer" in text_of(out["gg-consent-status"]["children"])
    assert coach.call("overview.view", view).status_code == 403
    assert coach.call("profile.view", {"gg-household.data": world.seed}).status_code == 403

    consent_click(participant, world.seed, "jdevries", "grant")
    assert coach.call("overview.view", view).status_code == 200
    history = participant.ok("consent.view", {"gg-household.data": world.seed})
    text = text_of(history["gg-consents"]["children"])
    assert "Geschiedenis van de toestemming" in text and text.count("jdevries") >= 3


def test_granting_to_someone_who_is_no_coach_is_refused_politely(
    as_user: Login, world: World
) -> None:
    out = consent_click(as_user("deelnemer"), world.seed, "analist", "grant")
    assert "geen budgetcoach" in text_of(out["gg-consent-status"]["children"])


def download(client: DashClient, household: str, button: str) -> bytes:
    out = client.ok("export", {f"{button}.n_clicks": 1, "gg-household.data": household},
                    changed=[f"{button}.n_clicks"])  # fmt: skip
    data = out["gg-download"]["data"]
    assert data["base64"] is True
    return base64.b64decode(data["content"])


def test_the_export_holds_all_transactions_in_cents_as_json_and_csv(
    app: Dash, as_user: Login, world: World
) -> None:
    client = as_user("deelnemer")
    with session_scope(app.server.extensions["hhb"].engine) as session:
        household_id = get_household(session, world.seed).id
        stored = session.scalar(
            select(func.count()).select_from(Transaction)
            .where(Transaction.household_id == household_id)
        )  # fmt: skip
    exported = json.loads(download(client, world.seed, "gg-export-json"))
    assert exported["household"] == world.seed
    assert len(exported["transactions"]) == stored and stored
    assert all(isinstance(t["amount_cents"], int) for t in exported["transactions"])
    assert exported["profiles"][0]["document"]["gemeente"] == "GM0344"
    assert {c["coach"] for c in exported["consents"]} == {"jdevries"}
    assert any(e["action"] == "dashboard.export" for e in exported["audit_log"])

    archive = zipfile.ZipFile(io.BytesIO(download(client, world.seed, "gg-export-csv")))
    assert "transactions.csv" in archive.namelist() and "audit_log.csv" in archive.namelist()
    text = archive.read("transactions.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == stored and rows[0]["amount_cents"].lstrip("-").isdigit()


def test_the_audit_log_shows_who_looked_at_the_household(as_user: Login, world: World) -> None:
    as_user("jdevries").ok("overview.view", {"ov-household.data": world.seed})
    out = as_user("deelnemer").ok("audit.view", {"gg-household.data": world.seed})
    text = text_of(out["gg-audit"]["children"])
    assert "jdevries" in text and "Overzicht bekeken" in text
    assert "Toestemming gegeven" in text and "Bestand geïmporteerd" in text
