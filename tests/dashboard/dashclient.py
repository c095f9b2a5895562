"""Talking to the dashboard as a browser would, without one: login and Dash callback posts.

A callback is found by the action its guard names (``dashboard.access.Guard.action``), and the
request body is the JSON that Dash's renderer sends to ``/_dash-update-component``, with the
CSRF header copied from the cookie exactly as the renderer does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dash import Dash
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dashboard.access import guard_of
from dashboard.security import CSRF_COOKIE, CSRF_HEADER

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def pattern_prop(id_: dict[str, Any], prop: str) -> str:
    """Dash's prop id of a pattern-matching component: sorted compact JSON, then the prop."""
    return json.dumps(id_, sort_keys=True, separators=(",", ":")) + "." + prop


class DashClient:
    def __init__(self, app: Dash) -> None:
        self.app = app
        self.client: FlaskClient = app.server.test_client()

    # --- login -----------------------------------------------------------------------------
    def csrf_from_login_form(self) -> str:
        page = self.client.get("/login").get_data(as_text=True)
        found = _TOKEN.search(page)
        assert found, "the login form carries a CSRF token"
        return found.group(1)

    def login(self, username: str, password: str, *, ip: str = "127.0.0.1") -> TestResponse:
        token = self.csrf_from_login_form()
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": ip},
        )

    def logout(self) -> TestResponse:
        self.client.get("/")  # a page sets the CSRF cookie
        return self.client.post("/logout", data={"csrf_token": self.csrf_cookie()})

    def csrf_cookie(self) -> str:
        cookie = self.client.get_cookie(CSRF_COOKIE)
        assert cookie is not None, "a logged-in response sets the CSRF cookie"
        return str(cookie.value)

    # --- callbacks ---------------------------------------------------------------------------
    def key(self, action: str) -> str:
        found: list[str] = [
            str(key) for key, entry in self.app.callback_map.items()
            if (g := guard_of(entry.get("callback"))) is not None and g.action == action
        ]  # fmt: skip
        assert len(found) == 1, f"one callback with action {action!r}, found {found}"
        return found[0]

    def body(self, key: str, values: dict[str, Any], changed: list[str] | None = None) -> Any:
        entry = self.app.callback_map[key]

        def specs(kind: str) -> list[Any]:
            out: list[Any] = []
            for spec in entry[kind]:
                ident, prop = str(spec["id"]), spec["property"]
                if ident.startswith("{"):
                    items = values.get(ident, [])
                    out.append([{"id": i, "property": prop, "value": v} for i, v in items])
                else:
                    out.append({"id": ident, "property": prop,
                                "value": values.get(f"{ident}.{prop}")})  # fmt: skip
            return out

        inputs = specs("inputs")
        outputs_spec = entry["output"]

        def output(o: Any) -> Any:
            ident, prop = o.component_id_str(), o.component_property
            if ident.startswith("{"):  # a pattern (ALL): the components the values name
                return [{"id": i, "property": prop} for i, _v in values.get(ident, [])]
            return {"id": ident, "property": prop}

        outputs: Any
        if isinstance(outputs_spec, list):
            outputs = [output(o) for o in outputs_spec]
        else:
            outputs = output(outputs_spec)
        if changed is None:
            first = inputs[0]
            changed = [f"{first['id']}.{first['property']}"] if isinstance(first, dict) else []
        return {
            "output": key,
            "outputs": outputs,
            "inputs": inputs,
            "state": specs("state"),
            "changedPropIds": changed,
        }

    def call(
        self,
        action: str,
        values: dict[str, Any],
        *,
        changed: list[str] | None = None,
        csrf: bool = True,
    ) -> TestResponse:
        key = self.key(action)
        headers = {CSRF_HEADER: self.csrf_cookie()} if csrf else {}
        return self.client.post("/_dash-update-component", json=self.body(key, values, changed),
                                headers=headers)  # fmt: skip

    def ok_response(self, action: str, values: dict[str, Any]) -> TestResponse:
        response = self.call(action, values)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
        return response

    def ok(self, action: str, values: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Call and return the response's ``{component id: {prop: value}}``."""
        response = self.call(action, values, **kwargs)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
        payload: dict[str, Any] = response.get_json()["response"]
        return payload


def text_of(component: Any) -> str:
    """All text inside a serialised Dash component tree (as a callback returns it)."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        props = component.get("props", {})
        return text_of(props.get("children"))
    return ""
