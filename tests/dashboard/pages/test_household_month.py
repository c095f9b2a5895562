"""The shared part of the household pages with a month field (Mijn maand, Wat als): where they
are registered, for whom, and what the callback that fills the month field answers first."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dash
from dash import Dash
from plotly.utils import PlotlyJSONEncoder

from dashboard.access import HOUSEHOLD_ROLES
from dashboard.pages import _household_month as hm
from tests.dashboard.dashclient import text_of


def test_both_pages_are_registered_under_the_household_for_participants_and_coaches(
    app: Dash,
) -> None:
    pages = {p["module"]: p for p in dash.page_registry.values()}
    for module, slug, name in (
        ("dashboard.pages.maand", "maand", "Mijn maand"),
        ("dashboard.pages.watals", "wat-als", "Wat als"),
    ):
        page = pages[module]
        assert page["path_template"] == f"/huishouden/<hid>/{slug}"
        assert page["path"] == f"/huishouden/{slug}"
        assert page["roles"] == sorted(HOUSEHOLD_ROLES)
        assert page["name"] == name and page["title"] == f"{name} - Huishoudboekje"


def test_the_month_field_and_the_message_are_the_first_outputs(app: Dash) -> None:
    keys = list(app.callback_map)
    for prefix in ("mm", "wa"):
        first = f"..{prefix}-month.min...{prefix}-month.max...{prefix}-month.value..."
        assert [k for k in keys if k.startswith(first + f"{prefix}-message.children...")], prefix


def test_month_field_values() -> None:
    assert hm.month_value(dt.date(2024, 3, 1)) == "2024-03"
    assert hm.field_range(()) == (None, None)
    months = (dt.date(2023, 11, 1), dt.date(2024, 1, 1), dt.date(2024, 4, 1))
    assert hm.field_range(months) == ("2023-11", "2024-04")


def serialised(component: Any) -> Any:
    """A component as a callback sends it to the browser."""
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))


def test_the_month_field_is_labelled_and_the_empty_household_is_said_in_dutch() -> None:
    label, box = serialised(hm.month_field("x-month", "Maand"))["props"]["children"]
    assert label["props"] == {"children": "Maand", "htmlFor": "x-month", "className": "form-label"}
    assert (box["props"]["id"], box["props"]["type"]) == ("x-month", "month")
    message = serialised(hm.no_transactions())
    assert message["props"]["role"] == "status"
    assert text_of(message) == "Er zijn nog geen transacties voor dit huishouden."
