"""Every callback checks role and household scope: the callback map, and the 403 matrix."""

from __future__ import annotations

from typing import Any

import dash
import pytest
from dash import Dash
from sqlalchemy import select

from dashboard.access import HOUSEHOLD_ROLES, Guard, guard_of
from store.db import session_scope
from store.models import AuditEvent, Household
from store.users import Role
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, text_of

ROUTER = ".._pages_content.children..._pages_store.data.."
USERS = {  # user -> (role, households in scope)
    "deelnemer": (Role.DEELNEMER, {"seed"}),
    "deelnemer2": (Role.DEELNEMER, {"other"}),
    "jdevries": (Role.BUDGETCOACH, {"seed"}),
    "abakker": (Role.BUDGETCOACH, {"other"}),
    "analist": (Role.GEMEENTE_ANALIST, set()),
    "beheerder": (Role.BEHEERDER, set()),
}
HOUSEHOLDS = ("seed", "other", "waiting", "foreign", "missing")


def guarded_callbacks(app: Dash) -> list[tuple[str, Guard]]:
    app.server.test_client().get("/login")  # Dash adds the pages router at the first request
    found = []
    for key, entry in app.callback_map.items():
        guard = guard_of(entry.get("callback"))
        if guard is not None:
            found.append((key, guard))
    return found


def test_every_server_callback_carries_the_guard(app: Dash) -> None:
    app.server.test_client().get("/login")
    unguarded = [
        key for key, entry in app.callback_map.items()
        if entry.get("callback") is not None and key != ROUTER
        and guard_of(entry["callback"]) is None
    ]  # fmt: skip
    assert unguarded == []
    assert ROUTER in app.callback_map, "the pages router exists and is checked below"
    assert len(guarded_callbacks(app)) >= 15


def test_every_page_layout_carries_the_guard() -> None:
    assert dash.page_registry, "pages are registered"
    for module, page in dash.page_registry.items():
        guard = guard_of(page["layout"])
        assert guard is not None, module
        assert set(page["roles"]) == {str(r) for r in guard.roles}, module


def test_household_callbacks_are_only_for_participants_and_coaches(app: Dash) -> None:
    for key, guard in guarded_callbacks(app):
        if guard.household_index is not None:
            assert guard.roles <= HOUSEHOLD_ROLES, key


def _body_values(client: DashClient, key: str, guard: Guard, code: str) -> dict[str, Any]:
    entry = client.app.callback_map[key]
    specs = [*entry["inputs"], *entry["state"]]
    values: dict[str, Any] = {}
    if guard.household_index is not None:
        spec = specs[guard.household_index]
        values[f"{spec['id']}.{spec['property']}"] = code
    return values


def test_matrix_every_callback_as_every_role_with_every_household(
    app: Dash, as_user: Login, world: World
) -> None:
    codes = {"seed": world.seed, "other": world.other, "waiting": world.waiting,
             "foreign": world.foreign, "missing": "BESTAAT-NIET"}  # fmt: skip
    callbacks = guarded_callbacks(app)
    outcomes: list[tuple[str, str, str, int]] = []
    seen = {True: 0, False: 0}
    for username, (role, scope) in USERS.items():
        client = as_user(username)
        for key, guard in callbacks:
            targets = HOUSEHOLDS if guard.household_index is not None else ("-",)
            for target in targets:
                allowed = role in guard.roles and (target == "-" or target in scope)
                if allowed and target == "-":
                    continue  # role-only callbacks with empty inputs: tested per page
                values = _body_values(client, key, guard, codes.get(target, ""))
                status = client.client.post(
                    "/_dash-update-component", json=client.body(key, values),
                    headers={"X-CSRFToken": client.csrf_cookie()},
                ).status_code  # fmt: skip
                expected_ok = status in (200, 204)
                seen[allowed] += 1
                if allowed != expected_ok or (not allowed and status != 403):
                    outcomes.append((username, guard.action, target, status))
    assert outcomes == [], "unexpected (user, callback, household, status)"
    assert seen[True] >= 15 and seen[False] >= 200, seen


def test_the_matrix_covers_the_month_and_analyst_callbacks(app: Dash) -> None:
    guards = {guard.action: guard for _key, guard in guarded_callbacks(app)}
    assert guards["month.view"].household_index is not None
    assert guards["month.view"].roles == HOUSEHOLD_ROLES
    for action in ("aggregates.choose", "aggregates.view", "aggregates.export"):
        assert guards[action].roles == {Role.GEMEENTE_ANALIST}, action
        assert guards[action].household_index is None, action


def test_a_refusal_is_audited_with_who_what_and_which_household(
    app: Dash, as_user: Login, world: World
) -> None:
    coach = as_user("jdevries")
    response = coach.call("overview.view", {"ov-household.data": world.waiting})
    assert response.status_code == 403
    with session_scope(app.server.extensions["hhb"].engine) as session:
        waiting_id = session.scalar(select(Household.id).where(Household.code == world.waiting))
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.household_id, AuditEvent.detail).where(
                AuditEvent.action == "access.refused"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("jdevries", waiting_id, "overview.view: huishouden buiten bereik")
    ]


def test_an_allowed_view_of_household_data_is_audited(
    app: Dash, as_user: Login, world: World
) -> None:
    as_user("deelnemer").ok("overview.view", {"ov-household.data": world.seed})
    with session_scope(app.server.extensions["hhb"].engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "deelnemer")
        ).all()
    assert "dashboard.overview.view" in actions


def open_page(client: DashClient, path: str) -> str:
    """The text of a page as the pages router renders it."""
    entry = client.app.callback_map[ROUTER]
    body = {
        "output": ROUTER,
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }  # fmt: skip
    assert entry["inputs"][0]["id"] == "_pages_location"
    response = client.client.post("/_dash-update-component", json=body,
                                  headers={"X-CSRFToken": client.csrf_cookie()})  # fmt: skip
    assert response.status_code == 200
    return text_of(response.get_json()["response"]["_pages_content"]["children"])


@pytest.mark.parametrize(
    ("username", "path", "allowed"),
    [
        ("deelnemer", "/huishouden/{seed}/overzicht", True),
        ("deelnemer", "/huishouden/{other}/overzicht", False),
        ("deelnemer", "/huishouden/{seed}/importeren", False),
        ("jdevries", "/huishouden/{seed}/importeren", True),
        ("jdevries", "/huishouden/{waiting}/overzicht", False),
        ("jdevries", "/beheer", False),
        ("beheerder", "/beheer", True),
        ("beheerder", "/huishouden/{seed}/gegevens", False),
        ("analist", "/caseload", False),
        ("analist", "/", True),
        ("deelnemer", "/huishouden/{seed}/maand", True),
        ("deelnemer", "/huishouden/{other}/maand", False),
        ("jdevries", "/huishouden/{seed}/maand", True),
        ("jdevries", "/huishouden/{waiting}/maand", False),
        ("analist", "/huishouden/{seed}/maand", False),
        ("analist", "/analist", True),
        ("deelnemer", "/analist", False),
        ("jdevries", "/analist", False),
        ("beheerder", "/analist", False),
        ("deelnemer", "/huishouden/{seed}/regelingen", True),
        ("deelnemer", "/huishouden/{other}/regelingen", False),
        ("jdevries", "/huishouden/{seed}/regelingen", True),
        ("jdevries", "/huishouden/{waiting}/regelingen", False),
        ("analist", "/huishouden/{seed}/regelingen", False),
        ("deelnemer", "/huishouden/{seed}/wat-als", True),
        ("jdevries", "/huishouden/{waiting}/wat-als", False),
        ("beheerder", "/huishouden/{seed}/wat-als", False),
    ],
)
def test_pages_show_no_access_outside_the_scope(
    as_user: Login, world: World, username: str, path: str, allowed: bool
) -> None:
    text = open_page(as_user(username), path.format(seed=world.seed, other=world.other,
                                                    waiting=world.waiting))  # fmt: skip
    assert ("Geen toegang" not in text) is allowed, text
