"""The pages, one module each: ``register(app)`` adds the page and its callbacks to one app.

Pages are registered explicitly by the factory instead of Dash scanning a folder, and callbacks
go to ``app.callback`` rather than the global ``dash.callback``, so every ``create_app`` builds a
complete app of its own (tests build several in one process).
"""

from __future__ import annotations

from dash import Dash

from dashboard.pages import (
    analist,
    beheer,
    caseload,
    gegevens,
    importeren,
    indeling,
    maand,
    not_found_404,
    overzicht,
    regelingen,
    start,
    watals,
)

MODULES = (
    start,
    maand,
    overzicht,
    regelingen,
    watals,
    gegevens,
    importeren,
    indeling,
    caseload,
    analist,
    beheer,
    not_found_404,
)


def register_all(app: Dash) -> None:
    for module in MODULES:
        module.register(app)
