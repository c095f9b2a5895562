"""Login, logout and sessions as ASVS level 2 asks: a new session at login, real logout,
timeouts, rate limits, and an audit trail without credentials."""

from __future__ import annotations

from dash import Dash
from sqlalchemy import select

from dashboard import create_app
from dashboard.config import DashboardConfig
from store.db import session_scope
from store.models import AuditEvent, WebSession
from store.users import disable_user, reset_password
from tests.dashboard.conftest import Clock, Login, World
from tests.dashboard.dashclient import DashClient


def audit_rows(app: Dash, action_prefix: str) -> list[tuple[str, str, str]]:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.action.like(f"{action_prefix}%"))
            .order_by(AuditEvent.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def dash_layout_status(client: DashClient) -> int:
    return client.client.get("/_dash-layout").status_code


def test_login_opens_a_new_session_and_lands_on_the_start_page(
    dash_client: DashClient, world: World
) -> None:
    dash_client.client.get("/login")
    before = dash_client.client.get_cookie("hhb_sessie")
    response = dash_client.login("deelnemer", world.passwords["deelnemer"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    after = dash_client.client.get_cookie("hhb_sessie")
    assert after is not None and (before is None or after.value != before.value)
    assert dash_layout_status(dash_client) == 200


def test_wrong_password_and_unknown_user_get_the_same_answer_and_are_audited(
    app: Dash, dash_client: DashClient, world: World
) -> None:
    secret = world.passwords["deelnemer"]
    wrong = dash_client.login("deelnemer", secret + "x")
    unknown = dash_client.login("niemand", secret)
    assert wrong.status_code == unknown.status_code == 401
    assert "Gebruikersnaam of wachtwoord is onjuist." in wrong.get_data(as_text=True)
    assert "Gebruikersnaam of wachtwoord is onjuist." in unknown.get_data(as_text=True)
    assert dash_layout_status(dash_client) == 401
    failures = audit_rows(app, "login.failure")
    assert failures == [("deelnemer", "login.failure", "gebruiker deelnemer"),
                        ("onbekend", "login.failure", "onbekende gebruikersnaam")]  # fmt: skip
    everything = " ".join(" ".join(r) for r in audit_rows(app, ""))
    assert secret not in everything and "niemand" not in everything


def test_successful_login_is_audited_with_the_role(app: Dash, as_user: Login) -> None:
    as_user("jdevries")
    assert ("jdevries", "login.success", "rol budgetcoach") in audit_rows(app, "login.success")


def test_the_next_address_is_followed_only_within_the_site(
    dash_client: DashClient, world: World
) -> None:
    token = dash_client.csrf_from_login_form()
    form = {"username": "deelnemer", "password": world.passwords["deelnemer"], "csrf_token": token}
    away = dash_client.client.post("/login?next=//evil.example/x", data=form)
    assert away.headers["Location"] == "/"
    dash_client.logout()
    token = dash_client.csrf_from_login_form()
    inside = dash_client.client.post("/login?next=/caseload", data={**form, "csrf_token": token})
    assert inside.headers["Location"] == "/caseload"


def test_logout_ends_the_session_on_the_server_even_for_a_copied_cookie(
    app: Dash, as_user: Login
) -> None:
    client = as_user("deelnemer")
    stolen = client.client.get_cookie("hhb_sessie")
    assert stolen is not None
    response = client.logout()
    assert response.status_code == 302 and "uitgelogd" in response.headers["Location"]
    thief = DashClient(app)
    thief.client.set_cookie("hhb_sessie", stolen.value)
    assert dash_layout_status(thief) == 401
    with session_scope(app.server.extensions["hhb"].engine) as session:
        ended = session.scalars(select(WebSession.end_reason)).all()
    assert ended == ["logout"]
    assert audit_rows(app, "logout") == [("deelnemer", "logout", "")]


def test_inactivity_ends_the_session(as_user: Login, clock: Clock) -> None:
    client = as_user("deelnemer")
    clock.advance(minutes=14)
    assert dash_layout_status(client) == 200, "activity within 15 minutes keeps it alive"
    clock.advance(minutes=14)
    assert dash_layout_status(client) == 200
    clock.advance(minutes=16)
    assert dash_layout_status(client) == 401
    page = client.client.get("/huishouden/x/overzicht")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_an_active_session_still_ends_after_the_absolute_timeout(
    as_user: Login, clock: Clock
) -> None:
    client = as_user("deelnemer")
    alive = 0
    for _ in range(8 * 6 + 2):  # a click every 10 minutes, a bit over 8 hours
        clock.advance(minutes=10)
        if dash_layout_status(client) != 200:
            break
        alive += 1
    assert alive == 8 * 6, "alive for exactly 8 hours of steady use, then logged out"
    assert dash_layout_status(client) == 401


def test_an_expired_session_sends_the_page_to_login_with_a_notice(
    as_user: Login, clock: Clock
) -> None:
    client = as_user("deelnemer")
    clock.advance(minutes=30)
    page = client.client.get("/caseload")
    assert page.status_code == 302 and "verlopen=1" in page.headers["Location"]
    notice = client.client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Uw sessie is verlopen" in notice


def test_disabling_a_user_or_changing_the_password_ends_their_sessions(
    app: Dash, as_user: Login
) -> None:
    coach = as_user("jdevries")
    participant = as_user("deelnemer")
    engine = app.server.extensions["hhb"].engine
    with session_scope(engine) as session:
        disable_user(session, "jdevries", "beheerder")
        reset_password(session, "deelnemer", "nieuw-fiets-wachtwoord-31", "deelnemer")
    assert dash_layout_status(coach) == 401
    assert dash_layout_status(participant) == 401


def test_login_attempts_are_limited_per_account_from_any_address(
    dash_client: DashClient, world: World
) -> None:
    for attempt in range(5):
        assert dash_client.login("jdevries", "fout", ip=f"10.0.0.{attempt}").status_code == 401
    blocked = dash_client.login("jdevries", world.passwords["jdevries"], ip="10.0.0.99")
    assert blocked.status_code == 429
    assert "Te veel inlogpogingen" in blocked.get_data(as_text=True)
    other = dash_client.login("deelnemer", world.passwords["deelnemer"], ip="10.0.0.99")
    assert other.status_code == 302, "another account from that address is not blocked"


def test_login_attempts_are_limited_per_address(world: World, clock: Clock) -> None:
    config = DashboardConfig(secret_key="x", clock=clock, login_limit_ip="3 per minute")
    client = DashClient(create_app(world.settings(), config))
    for name in ("a1", "a2", "a3"):
        assert client.login(name, "fout", ip="10.1.1.1").status_code == 401
    assert client.login("deelnemer", world.passwords["deelnemer"], ip="10.1.1.1").status_code == 429
    assert client.login("deelnemer", world.passwords["deelnemer"], ip="10.1.1.2").status_code == 302


def test_a_login_without_csrf_token_is_refused(dash_client: DashClient, world: World) -> None:
    dash_client.client.get("/login")
    response = dash_client.client.post(
        "/login", data={"username": "deelnemer", "password": world.passwords["deelnemer"]}
    )
    assert response.status_code == 302 and "formulier=1" in response.headers["Location"]
    assert dash_layout_status(dash_client) == 401


def test_a_logout_without_csrf_token_is_refused(as_user: Login) -> None:
    client = as_user("deelnemer")
    client.client.post("/logout")
    assert dash_layout_status(client) == 200
