"""The pages, one module each: ``register(app)`` adds the page and its callbacks to one app.

Pages are registered explicitly by the factory instead of Dash scanning a folder, and callbacks
go to ``app.callback`` rather than the global ``dash.callback``, so every ``create_app`` builds a
complete app of its own (tests build several in one process).
"""

from __future__ import annotations

from dash import Dash

from dashboard.pages import beheer, caseload, gegevens, importeren, not_found_404, overzicht, start

MODULES = (start, overzicht, gegevens, importeren, caseload, beheer, not_found_404)


def register_all(app: Dash) -> None:
    for module in MODULES:
        module.register(app)
