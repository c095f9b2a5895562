"""Small building blocks every page uses: headings, tables, alerts, the household tabs.

Tables are real ``<table>`` elements with a caption and ``th scope``, so a screen reader can
read them cell by cell; money is right-aligned in tabular figures.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import dash
from dash import dcc, html

from dashboard.i18n import _
from store.users import Role

Cell = Any
LIVE: dict[str, Any] = {"aria-live": "polite"}
"""Props of a region whose changes a screen reader announces (status messages)."""


def attrs(**values: str) -> dict[str, Any]:
    """``aria-*``/``data-*`` props (Python names use ``_``): ``attrs(aria_label="x")``."""
    return {name.replace("_", "-"): value for name, value in values.items()}


def add_page(module: str, **options: Any) -> None:
    """``dash.register_page`` with its extra keys (``roles``) kept in the page registry."""
    dash.register_page(module, **options)  # type: ignore[no-untyped-call]


def month_input(ident: str) -> dcc.Input:
    """A native month field (``JJJJ-MM``): labelled, keyboard-friendly, and accessible, where
    Dash's own dropdown fails axe-core."""
    options: dict[str, Any] = {"type": "month"}
    return dcc.Input(id=ident, className="form-control", **options)


def page_header(title: str, lead: str | None = None) -> html.Div:
    children: list[Any] = [html.H1(title, className="h3 mb-1")]
    if lead:
        children.append(html.P(lead, className="text-body-secondary"))
    return html.Div(children, className="mb-3")


def alert(text: Any, level: str = "info") -> html.Div:
    role = "alert" if level in ("danger", "warning") else "status"
    return html.Div(text, className=f"alert alert-{level}", role=role)


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    caption: str,
    numeric: Sequence[int] = (),
    footer: Sequence[Sequence[Cell]] = (),
    row_headers: bool = True,
) -> html.Div:
    """A responsive Bootstrap table; ``numeric`` columns are right-aligned."""
    right = set(numeric)

    def cells(row: Sequence[Cell], tag: str = "td") -> list[Any]:
        out: list[Any] = []
        for i, value in enumerate(row):
            cls = "text-end text-nowrap num" if i in right else None
            if i == 0 and row_headers:
                out.append(html.Th(value, scope="row", className=cls))
            elif tag == "th":
                out.append(html.Th(value, scope="col", className=cls))
            else:
                out.append(html.Td(value, className=cls))
        return out

    head = html.Thead(
        html.Tr(
            [
                html.Th(c, scope="col", className="text-end" if i in right else None)
                for i, c in enumerate(columns)
            ]
        )
    )
    parts: list[Any] = [html.Caption(caption), head, html.Tbody([html.Tr(cells(r)) for r in rows])]
    if footer:
        parts.append(html.Tfoot([html.Tr(cells(r)) for r in footer]))
    return html.Div(
        html.Table(parts, className="table table-sm table-striped align-middle caption-top"),
        className="table-responsive",
    )


def household_paths(code: str) -> dict[str, str]:
    return {
        "maand": f"/huishouden/{code}/maand",
        "overzicht": f"/huishouden/{code}/overzicht",
        "regelingen": f"/huishouden/{code}/regelingen",
        "watals": f"/huishouden/{code}/wat-als",
        "gegevens": f"/huishouden/{code}/gegevens",
        "importeren": f"/huishouden/{code}/importeren",
        "indeling": f"/huishouden/{code}/indeling",
    }


def household_tabs(code: str, active: str, role: Role) -> html.Nav:
    """The pages of one household, as the role may use them."""
    paths = household_paths(code)
    mine = role is Role.DEELNEMER
    items = [("maand", _("My month") if mine else _("Month")), ("overzicht", _("Overview"))]
    items += [("regelingen", _("Regelingen")), ("watals", _("What if"))]
    if role is Role.BUDGETCOACH:
        items.append(("importeren", _("Import files")))
        items.append(("indeling", _("Classification")))
    items.append(("gegevens", _("My details") if mine else _("Details")))
    links = [
        html.Li(
            dcc.Link(
                label,
                href=paths[key],
                className="nav-link active" if key == active else "nav-link",
            ),
            className="nav-item",
        )
        for key, label in items
    ]
    return html.Nav(
        html.Ul(links, className="nav nav-tabs mb-3"),
        **attrs(aria_label=_("Pages of household {code}").format(code=code)),
    )


def download_data(content: bytes, filename: str, mime: str | None = None) -> dict[str, Any]:
    """What ``dcc.Download`` expects for a file of bytes (as ``dcc.send_bytes`` builds it)."""
    return {"content": base64.b64encode(content).decode("ascii"), "filename": filename,
            "type": mime, "base64": True}  # fmt: skip
