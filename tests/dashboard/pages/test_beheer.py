"""Beheer: users, roles and caseloads, through the same rules as the command line."""

from __future__ import annotations

import json
from typing import Any

from dash import Dash

from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, pattern_prop, text_of


def add_user(client: DashClient, **fields: Any) -> dict[str, Any]:
    values = {"bh-add.n_clicks": 1, "bh-version.data": 0}
    values |= {f"bh-new-{k}.value": v for k, v in fields.items()}
    return client.ok("users.add", values)


def test_the_user_list_shows_everyone_with_role_and_scope(as_user: Login, world: World) -> None:
    out = as_user("beheerder").ok("users.view", {"bh-version.data": 0})
    text = text_of(out["bh-users"]["children"])
    assert "deelnemer2" in text and world.other in text and "GM0344" in text
    assert "actief (u zelf)" in text
    coaches = {o["props"]["value"] for o in out["bh-coaches"]["children"]}
    assert coaches >= {"jdevries", "abakker"} and "beheerder" not in coaches


def test_a_new_user_follows_the_password_rules(as_user: Login, world: World) -> None:
    admin = as_user("beheerder")
    odd = add_user(admin, name="coach9", role="koning", password="zeef-lamp-rivier-12")
    assert "Onbekende rol" in text_of(odd["bh-status"]["children"])
    weak = add_user(admin, name="coach9", role="budgetcoach", password="wachtwoord")
    assert "veelgebruikte" in text_of(weak["bh-status"]["children"])
    assert weak["bh-version"]["data"] == 0
    good = add_user(admin, name="coach9", role="budgetcoach", password="zeef-lamp-rivier-12")
    assert "coach9 is toegevoegd" in text_of(good["bh-status"]["children"])
    assert good["bh-new-password"]["value"] == "", "the password field is emptied"
    login = DashClient(admin.app).login("coach9", "zeef-lamp-rivier-12")
    assert login.status_code == 302


def test_disabling_a_user_logs_them_out_at_once(app: Dash, as_user: Login) -> None:
    coach = as_user("jdevries")
    ident = {"type": "bh-disable", "user": "jdevries"}
    pattern = json.dumps({"type": "bh-disable", "user": ["ALL"]}, separators=(",", ":"))
    pattern = json.dumps(json.loads(pattern), sort_keys=True, separators=(",", ":"))
    out = as_user("beheerder").ok(
        "users.disable", {pattern: [(ident, 1)], "bh-version.data": 3},
        changed=[pattern_prop(ident, "n_clicks")],
    )  # fmt: skip
    assert "uitgeschakeld en uitgelogd" in text_of(out["bh-status"]["children"])
    assert coach.client.get("/_dash-layout").status_code == 401


def test_caseloads_are_changed_and_shown_per_coach(as_user: Login, world: World) -> None:
    admin = as_user("beheerder")
    added = admin.ok("caseload.change", {
        "bh-case-add.n_clicks": 1, "bh-coach.value": "mjansen",
        "bh-case-code.value": world.foreign, "bh-version.data": 0,
    })  # fmt: skip
    assert f"{world.foreign} is aan de caseload van mjansen" in text_of(
        added["bh-status"]["children"])  # fmt: skip
    shown = admin.ok("caseload.admin-view", {"bh-coach.value": "mjansen", "bh-version.data": 1})
    assert world.foreign in text_of(shown["bh-caseload"]["children"])
    twice = admin.ok("caseload.change", {
        "bh-case-add.n_clicks": 2, "bh-coach.value": "mjansen",
        "bh-case-code.value": world.foreign, "bh-version.data": 1,
    })  # fmt: skip
    assert "al in de caseload" in text_of(twice["bh-status"]["children"])
    unknown = admin.ok("caseload.change", {
        "bh-case-add.n_clicks": 3, "bh-coach.value": "mjansen",
        "bh-case-code.value": "BESTAAT-NIET", "bh-version.data": 1,
    })  # fmt: skip
    assert "bestaat niet" in text_of(unknown["bh-status"]["children"])
