"""Deny by default, security headers and CSRF for every response (DOMAIN.md section 7).

- ``before_request``: only the login form and the static assets (CSS, our small scripts) are
  public. Without a valid server-side session a Dash request (``/_dash-*``) or any other
  non-GET gets 401 and a page redirects to ``/login``.
- ``after_request``: a Content-Security-Policy that allows scripts only from this server plus
  the SHA-256 hashes of Dash's own inline scripts (computed from the app, so a new Dash version
  cannot silently break or widen it), ``frame-ancestors 'none'``, nosniff, no-store on
  everything but static files, HSTS when served over TLS.
- CSRF: Flask-WTF's ``CSRFProtect`` checks every POST, Dash's callback POSTs included. Dash's
  renderer copies the ``_csrf_token`` cookie into the ``X-CSRFToken`` header; we set that cookie
  from ``generate_csrf()``, bound to the (server-validated) session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import Dash
from flask import Flask, Response, g, jsonify, redirect, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from dashboard.config import DashboardConfig
from dashboard.i18n import _

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
PUBLIC_ENDPOINTS = frozenset({"login"})
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
PUBLIC_PREFIXES = ("/assets/", "/_favicon.ico")


def safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _is_dash_api(path: str) -> bool:
    return path.startswith(("/_dash-", "/_reload-hash"))


def deny_by_default() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(PUBLIC_PREFIXES):
        return None
    if current_user.is_authenticated:
        g.principal = current_user._get_current_object()
        return None
    if _is_dash_api(request.path) or request.method not in ("GET", "HEAD"):
        return jsonify(message=_("Not logged in or the session has expired.")), 401
    query: dict[str, str] = {}
    if request.path not in ("/", "/login"):
        query["next"] = request.full_path.rstrip("?")
    if g.get("session_ended"):
        query["verlopen"] = "1"
    return redirect("/login" + ("?" + urlencode(query) if query else ""))


def content_security_policy(app: Dash) -> str:
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Plotly and React set inline styles; styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install_security(app: Dash, config: DashboardConfig) -> CSRFProtect:
    """Register the hooks above on the app's Flask server; returns the CSRF extension."""
    server: Flask = app.server
    server.before_request(deny_by_default)
    csrf = CSRFProtect(server)

    @server.after_request
    def headers(response: Response) -> Response:
        h = response.headers
        h["Content-Security-Policy"] = content_security_policy(app)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if not request.path.startswith(STATIC_PREFIXES):
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        if config.https or request.is_secure:
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if g.get("principal") is not None and not request.path.startswith(STATIC_PREFIXES):
            response.set_cookie(
                CSRF_COOKIE,
                generate_csrf(),
                secure=config.https,
                httponly=False,  # Dash's renderer reads it to send it back as a header
                samesite="Strict",
                path="/",
            )
        return response

    @server.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> Any:
        if _is_dash_api(request.path):
            return jsonify(message=_("The request could not be verified; reload the page.")), 400
        return redirect("/login?formulier=1")

    return csrf
