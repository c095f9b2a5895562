"""Deny by default, CSRF on every state-changing request, and the security headers."""

from __future__ import annotations

import base64
import hashlib
import re

from dash import Dash

from dashboard import create_app
from dashboard.config import DashboardConfig
from tests.dashboard.conftest import Clock, Login, World
from tests.dashboard.dashclient import DashClient

_INLINE = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)


def inline_script_hashes(html: str) -> set[str]:
    """The CSP hashes of the scripts a browser would run inline (not JSON data blocks)."""
    found = set()
    for attrs, body in _INLINE.findall(html):
        if "application/json" in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        found.add(f"'sha256-{digest}'")
    return found


def directives(csp: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in csp.split("; ")}


def test_csp_allows_exactly_dash_s_inline_scripts_and_nothing_from_elsewhere(
    as_user: Login,
) -> None:
    client = as_user("deelnemer")
    page = client.client.get("/")
    csp = directives(page.headers["Content-Security-Policy"])
    hashes = inline_script_hashes(page.get_data(as_text=True))
    assert hashes, "Dash's index page has inline scripts"
    scripts = set(csp["script-src"].split())
    assert hashes <= scripts
    assert scripts - hashes == {"'self'"}, "no unsafe-inline, no eval, no other host"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["default-src"] == "'self'"


def test_security_headers_on_pages_and_callbacks(as_user: Login, world: World) -> None:
    client = as_user("deelnemer")
    responses = [
        client.client.get("/"),
        client.client.get("/_dash-layout"),
        client.ok_response("overview.view", {"ov-household.data": world.seed}),
    ]
    for response in responses:
        h = response.headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["X-Frame-Options"] == "DENY"
        assert "no-store" in h["Cache-Control"]
        assert "Strict-Transport-Security" not in h, "no HSTS over plain HTTP"


def test_session_cookie_is_httponly_and_samesite(dash_client: DashClient, world: World) -> None:
    response = dash_client.login("deelnemer", world.passwords["deelnemer"])
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("hhb_sessie="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_under_tls_cookies_are_secure_and_hsts_is_sent(world: World, clock: Clock) -> None:
    app = create_app(world.settings(), DashboardConfig(secret_key="x", clock=clock, https=True))
    client = DashClient(app)
    client.client.get("/login", base_url="https://localhost")
    token = client.csrf_from_login_form()
    response = client.client.post(
        "/login",
        data={"username": "deelnemer", "password": world.passwords["deelnemer"],
              "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie, cookie


def test_a_callback_without_the_csrf_header_is_refused(as_user: Login, world: World) -> None:
    client = as_user("deelnemer")
    values = {"ov-household.data": world.seed}
    assert client.call("overview.view", values, csrf=False).status_code == 400
    key = client.key("overview.view")
    forged = client.client.post("/_dash-update-component", json=client.body(key, values),
                                headers={"X-CSRFToken": "forged"})  # fmt: skip
    assert forged.status_code == 400
    assert client.call("overview.view", values).status_code == 200


def test_anonymous_requests_get_nothing_but_the_login_form(app: Dash) -> None:
    client = app.server.test_client()
    public = {"login", "_dash_assets.static", "/_favicon.ico"}
    checked = 0
    for rule in app.server.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        if "GET" in (rule.methods or ()):
            response = client.get(path)
            if path.startswith(("/_dash-", "/_reload-hash")):
                assert response.status_code == 401, path
            else:
                assert response.status_code == 302, path
                assert response.headers["Location"].startswith("/login"), path
            checked += 1
        if "POST" in (rule.methods or ()):
            assert client.post(path, json={}).status_code == 401, path
            checked += 1
    assert checked >= 6
    assert client.get("/login").status_code == 200
    assert client.get("/assets/bootstrap.min.css").status_code == 200


def test_a_dash_callback_without_login_is_401_not_executed(app: Dash, world: World) -> None:
    client = DashClient(app)
    key = client.key("overview.view")
    response = client.client.post(
        "/_dash-update-component", json=client.body(key, {"ov-household.data": world.seed})
    )
    assert response.status_code == 401
