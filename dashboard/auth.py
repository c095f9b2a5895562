"""Login and logout: a plain Flask form outside Dash, with CSRF, argon2id and rate limits.

A successful login clears whatever session the browser had (``session.clear()``: no session
fixation), opens a new server-side session (``dashboard.sessions``) and only then calls
``login_user``. Failures say the same for an unknown user as for a wrong password, take the same
time (a dummy argon2 check), and are audited without the password or the typed user name.
Limits: attempts per client address, and failed attempts per account from any address.
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from flask import Flask, Response, g, redirect, render_template_string, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from dashboard import sessions
from dashboard.context import AppState, Principal, db
from dashboard.i18n import _
from dashboard.security import safe_next
from store.households import audit
from store.models import User
from store.users import verify_password

SESSION_KEY = "sid"


@cache
def _dummy_user() -> User:
    """Checked for an unknown user name, so its answer takes as long as a wrong password's."""
    return User(password_hash=PasswordHasher().hash(secrets.token_hex(16)), disabled_at=None)


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.title }}</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css">
<link rel="stylesheet" href="/assets/hhb.css">
</head>
<body class="bg-light">
<main class="container py-5" style="max-width: 28rem">
  <h1 class="h3 mb-3">{{ t.heading }}</h1>
  <p class="text-body-secondary">{{ t.intro }}</p>
  {% if message %}<div class="alert alert-{{ level }}" role="alert">{{ message }}</div>{% endif %}
  <form method="post" action="/login{% if next %}?next={{ next | urlencode }}{% endif %}"
        class="card card-body shadow-sm" novalidate>
    <input type="hidden" name="csrf_token" value="{{ csrf }}">
    <div class="mb-3">
      <label for="username" class="form-label">{{ t.username }}</label>
      <input id="username" name="username" class="form-control" autocomplete="username"
             autocapitalize="none" spellcheck="false" required value="{{ username }}">
    </div>
    <div class="mb-3">
      <label for="password" class="form-label">{{ t.password }}</label>
      <input id="password" name="password" type="password" class="form-control"
             autocomplete="current-password" required>
    </div>
    <button type="submit" class="btn btn-primary">{{ t.submit }}</button>
  </form>
</main>
</body>
</html>
"""


def _texts() -> dict[str, str]:
    return {
        "title": _("Log in - Huishoudboekje"),
        "heading": _("Log in"),
        "intro": _("Huishoudboekje and income schemes of your municipality."),
        "username": _("User name"),
        "password": _("Password"),
        "submit": _("Log in"),
    }


def _page(message: str = "", level: str = "danger", status: int = 200, username: str = "") -> Any:
    body = render_template_string(
        LOGIN_PAGE,
        t=_texts(),
        message=message,
        level=level,
        csrf=generate_csrf(),
        next=request.args.get("next", ""),
        username=username,
    )
    return body, status


def _notice() -> tuple[str, str]:
    if request.args.get("verlopen"):
        return _("Your session has expired. Please log in again."), "warning"
    if request.args.get("uitgelogd"):
        return _("You have been logged out."), "success"
    if request.args.get("formulier"):
        return _("The form had expired. Please try again."), "warning"
    return "", "danger"


def install_auth(server: Flask, state: AppState) -> Limiter:
    """Register Flask-Login, the login and logout routes and the rate limits on ``server``."""
    manager = LoginManager(server)
    manager.session_protection = None  # the server-side session is the protection

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load(user_id: str) -> Principal | None:
        token = session.get(SESSION_KEY)
        if not isinstance(token, str):
            return None
        timeouts = sessions.Timeouts(state.config.idle_timeout, state.config.absolute_timeout)
        with db() as s:
            result = sessions.check(s, token, state.config.clock(), timeouts)
            if result.user is None:
                if result.ended is not None:
                    audit(s, "systeem", "session.end", None, f"sessie beëindigd: {result.ended}")
                g.session_ended = True
                return None
            if str(result.user.id) != user_id:
                return None
            return Principal.of(s, result.user)

    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=state.config.rate_limit_storage,
        default_limits=[],
        headers_enabled=False,
    )

    def account_key() -> str:
        return "account:" + request.form.get("username", "").strip().lower()

    def failed(response: Response) -> bool:
        return response.status_code == 401

    @limiter.limit(state.config.login_limit_ip, methods=["POST"])
    @limiter.limit(
        state.config.login_limit_account, key_func=account_key, methods=["POST"],
        deduct_when=failed,
    )  # fmt: skip
    def login() -> Any:
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect("/")
            return _page(*_notice())
        username = request.form.get("username", "").strip().lower()
        password = request.form.get("password", "")
        with db() as s:
            user = s.scalar(select(User).where(User.username == username)) if username else None
            ok = verify_password(user or _dummy_user(), password) and user is not None
            if not ok or user is None:
                detail = f"gebruiker {username}" if user is not None else "onbekende gebruikersnaam"
                audit(s, username if user is not None else "onbekend", "login.failure", None,
                      detail)  # fmt: skip
                return _page(_("User name or password is incorrect."), status=401,
                             username=username)  # fmt: skip
            session.clear()
            token = sessions.start(s, user.id, state.config.clock())
            audit(s, user.username, "login.success", None, f"rol {user.role}")
            who = Principal.of(s, user)
        session[SESSION_KEY] = token
        login_user(who)
        return redirect(safe_next(request.args.get("next")))

    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])

    def logout() -> Any:
        token = session.get(SESSION_KEY)
        if isinstance(token, str):
            with db() as s:
                user_id = sessions.end(s, token, state.config.clock(), sessions.EndReason.LOGOUT)
                if user_id is not None:
                    name = s.get(User, user_id)
                    audit(s, name.username if name else "onbekend", "logout", None)
        logout_user()
        session.clear()
        return redirect("/login?uitgelogd=1")

    server.add_url_rule("/logout", "logout", logout, methods=["POST"])

    @server.errorhandler(429)
    def too_many(_error: Exception) -> Any:
        with db() as s:
            audit(s, "onbekend", "login.blocked", None, "te veel inlogpogingen")
        return _page(_("Too many login attempts. Please wait a few minutes and try again."),
                     status=429)  # fmt: skip

    return limiter
