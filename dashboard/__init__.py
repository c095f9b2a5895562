"""The dashboard: one Dash app per ``create_app(settings)``, for participants, coaches,
analysts and beheerders, behind a login (see ``dashboard.auth``, ``dashboard.security`` and
``dashboard.access`` for how it is protected).

``hhb serve`` runs it with waitress; tests build it from a fixture.
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash
from flask import Flask
from sqlalchemy import Engine

from dashboard.auth import install_auth
from dashboard.config import DashboardConfig
from dashboard.context import AppState
from dashboard.i18n import _
from dashboard.security import CSRF_COOKIE, CSRF_HEADER, install_security
from dashboard.shell import INDEX_STRING
from dashboard.shell import layout as shell_layout
from hhb.settings import Settings
from store.db import make_engine, require_current

ASSETS = Path(__file__).resolve().parent / "assets"
UPLOAD_OVERHEAD = 1.4
"""An upload travels base64-encoded inside JSON: about 4/3 of the file, plus the envelope."""


def create_app(
    settings: Settings | None = None,
    config: DashboardConfig | None = None,
    *,
    engine: Engine | None = None,
) -> Dash:
    """Build the Flask server, the Dash app and every extension, for one database."""
    settings = settings or Settings.from_env()
    config = config or DashboardConfig.from_env()
    engine = engine or make_engine(settings.database_url)
    require_current(engine)

    server = Flask("dashboard", static_folder=None)
    server.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_NAME="hhb_sessie",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.https,
        PERMANENT_SESSION_LIFETIME=config.absolute_timeout,
        MAX_CONTENT_LENGTH=int(config.max_upload_bytes * UPLOAD_OVERHEAD),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (server-checked) session
    )
    state = AppState(settings=settings, config=config, engine=engine)
    server.extensions["hhb"] = state

    app = Dash(
        "dashboard",
        server=server,  # type: ignore[arg-type]  # Dash's hint misses a Flask instance
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,  # pages come and go; ids are checked by the tests
        title=_("Huishoudboekje"),
        update_title="",
        include_pages_meta=False,
        index_string=INDEX_STRING,
        csrf_token_name=CSRF_COOKIE,
        csrf_header_name=CSRF_HEADER,
    )
    install_security(app, config)  # first: deny by default runs before anything else
    state.limiter = install_auth(server, state)
    app.layout = shell_layout

    from dashboard.pages import register_all  # the pages import this package's modules

    register_all(app)
    return app
