"""Cijfers voor de gemeente: the municipality's aggregates per theme, for the gemeente-analist.

Everything shown comes from :func:`reports.aggregates.aggregate` (through
:func:`dashboard.data.analyst_aggregates`), so only disclosure-controlled cells reach the page:
never a row about one household, a name, an IBAN or a household code. A suppressed cell says
"onderdrukt" and the row gives the reason; a table whose facts are not available yet is named
with the reason. The analyst sees their own municipality only (``users.municipality``); the
export is :func:`reports.export.write_export`'s CSV, metadata included.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

import polars as pl
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import data
from dashboard.access import guarded, guarded_layout
from dashboard.components import LIVE, add_page, alert, attrs, page_header
from dashboard.context import db, principal
from dashboard.formatting import day, euro
from dashboard.i18n import _
from reports.aggregates import Aggregates, Level
from reports.cube import TOTAL
from reports.disclosure import Status, Use
from reports.secondary import SuppressionError
from reports.tables import table_specs
from reports.tables import themes as table_themes
from store.households import audit
from store.users import Role

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")

ANALYST = frozenset({Role.GEMEENTE_ANALIST})
"""DOMAIN.md section 2: aggregates are the analyst's; a beheerder manages users, not figures."""


class Ids(StrEnum):
    CHOSEN = "an-chosen"
    CHOICE = "an-choice"
    WIJK = "an-wijk"
    WIJKEN = "an-wijken"
    WIJK_BOX = "an-wijk-box"
    MESSAGE = "an-message"
    TABLES = "an-tables"
    EXPORT = "an-export"
    DOWNLOAD = "an-download"
    EXPORT_STATUS = "an-export-status"


FIELDS = ("year", "level", "use", "theme", "regeling")


def themes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Theme -> (title, the tables of :func:`reports.tables.themes` it shows)."""
    titles = {
        "huishoudens": _("Households by situation"),
        "regelingen": _("Regelingen: eligible, receiving and missed"),
        "leefgeld": _("Leefgeld below the minimum"),
        "terugvordering": _("Expected clawbacks"),
        "signalen": _("Signals"),
    }
    return {key: (titles[key], names) for key, names in table_themes().items()}


def choices(years: list[int]) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Per field: its legend and its (label, value) options."""
    return {
        "year": (_("Year"), [(str(y), str(y)) for y in years]),
        "level": (_("Level"), [(_("The municipality as a whole"), str(Level.GEMEENTE)),
                               (_("Per district"), str(Level.WIJK))]),
        "use": (_("Rules"), [(_("Internal (at least 10 households per cell)"), str(Use.INTERN)),
                             (_("Publication (CBS rules: 100 per cell, rounded)"),
                              str(Use.PUBLICATIE))]),
        "theme": (_("Theme"), [(title, key) for key, (title, _t) in themes().items()]),
    }  # fmt: skip


def _pressed(on: bool) -> tuple[str, str]:
    """(className, aria-pressed) of a choice button."""
    return ("btn btn-sm btn-primary" if on else "btn btn-sm btn-outline-primary"), str(on).lower()


def _group(field: str, legend: str, options: list[tuple[str, str]], value: str | None) -> Any:
    """Toggle buttons (``aria-pressed``) in a labelled group: Dash's radio items and dropdown
    fail axe-core's rules (see ``beheer._suggest``), native buttons do not."""
    label_id = f"an-{field}-label"
    buttons = []
    for label, option in options:
        cls, pressed = _pressed(option == value)
        ident = {"type": Ids.CHOICE, "field": field, "value": option}
        buttons.append(html.Button(label, id=ident, type="button", className=cls,
                                   **attrs(aria_pressed=pressed)))  # fmt: skip
    return html.Div(
        [
            html.Span(legend, id=label_id, className="form-label d-block mb-1"),
            html.Div(buttons, role="group", className="d-flex flex-wrap gap-2",
                     **attrs(aria_labelledby=label_id)),
        ],
        className="col-12",
    )  # fmt: skip


def _first_choice(years: list[int]) -> dict[str, str | None]:
    return {"year": str(years[0]) if years else None, "level": str(Level.GEMEENTE),
            "use": str(Use.INTERN), "theme": "huishoudens",
            "regeling": themes()["regelingen"][1][0]}  # fmt: skip


def regeling_tables() -> dict[str, str]:
    """The regeling tables of the Regelingen theme, by name, with their titles: the page shows
    one at a time (all seven at once are some 3 900 elements, which a browser renders in tens
    of seconds), the export holds them all."""
    titles = {spec.name: spec.title for spec in table_specs()}
    return {name: titles[name] for name in themes()["regelingen"][1]}


def _shown_tables(theme: str, chosen: dict[str, Any]) -> tuple[str, ...]:
    if theme != "regelingen":
        return themes()[theme][1]
    wanted = str(chosen.get("regeling") or "")
    names = regeling_tables()
    return (wanted if wanted in names else next(iter(names)),)


@guarded_layout(roles=ANALYST, action="aggregates.page")
def layout(**_query: Any) -> Any:
    who = principal()
    with db() as session:
        years = data.analyst_years(session, who.municipality or "")
    chosen = _first_choice(years)
    groups = [_group(field, legend, options, chosen[field])
              for field, (legend, options) in choices(years).items()]  # fmt: skip
    wijk = html.Div(
        [
            html.Label(_("District (code)"), htmlFor=Ids.WIJK, className="form-label"),
            dcc.Input(id=Ids.WIJK, list=Ids.WIJKEN, className="form-control", debounce=True,
                      autoComplete="off", placeholder=_("empty: the whole municipality")),
            html.Datalist([], id=Ids.WIJKEN),
        ],
        id=Ids.WIJK_BOX, hidden=True, className="col-md-4",
    )  # fmt: skip
    lead = _("Aggregates over many households of {municipality}, after disclosure control. A "
             "suppressed cell is shown as such, with the reason.")  # fmt: skip
    export = html.Div(
        [
            html.Button(_("Download as CSV (with metadata)"), id=Ids.EXPORT,
                        className="btn btn-outline-primary"),
            dcc.Download(id=Ids.DOWNLOAD),
            html.Div(id=Ids.EXPORT_STATUS, className="mt-2", **LIVE),
        ],
        className="mb-3",
    )  # fmt: skip
    return html.Div(
        [
            page_header(_("Figures for the municipality"),
                        lead.format(municipality=who.municipality or "?")),
            dcc.Store(id=Ids.CHOSEN, data=chosen),
            html.Div([*groups, wijk], className="row g-3 mb-3"),
            export,
            html.Div(id=Ids.MESSAGE, **LIVE),
            dcc.Loading(html.Div(id=Ids.TABLES)),
        ]
    )  # fmt: skip


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _cell(status: str | None, value: Any, shown: Any) -> str:
    if status == Status.GEPUBLICEERD and value is not None:
        return str(shown)
    return {
        Status.ONDERDRUKT: _("suppressed"),
        Status.LEEG: "–",
        Status.NVT: _("n/a"),
    }.get(Status(status) if status else Status.NVT, _("n/a"))


def _amount(unit: str | None, value: int | None) -> str:
    if value is None:
        return ""
    return euro(value) if unit == "cent" else _number(value)


def _table(rows: pl.DataFrame, title: str) -> dict[str, Any]:
    """One published table: the value columns only when the table has a value, the variable
    column only when it has more than one (else the variable is named in the caption)."""
    variables = rows["variabele"].drop_nulls().unique(maintain_order=True).to_list()
    many = len(variables) > 1
    columns = [_("Class")] + ([_("Variable")] if many else []) + [_("Households"), _("Percentage")]
    if variables:
        columns += [_("Sum"), _("Mean"), _("Median")]
        if not many:
            title = f"{title}: {variables[0]}"
    body = []
    for r in rows.iter_rows(named=True):
        pct = r["percentage"]
        cells: list[Any] = [r["klasse"]] + ([r["variabele"] or "–"] if many else [])
        cells += [
            _cell(r["status_huishoudens"], r["huishoudens"], _number(r["huishoudens"] or 0)),
            _cell(r["status_percentage"], pct,
                  f"{pct:.1f} %".replace(".", ",") if pct is not None else ""),
        ]  # fmt: skip
        if variables:
            cells += [_cell(r["status_waarde"], r[k], _amount(r["eenheid"], r[k]))
                      for k in ("som", "gemiddelde", "mediaan")]  # fmt: skip
        body.append([*cells, r["reden"] or ""])
    first = 2 if many else 1
    numbers = range(first, len(columns))
    return json_table([*columns, _("Note")], body, caption=title, numeric=numbers)


HTML: Final = "dash_html_components"


def _element(tag: str, children: Any, **props: Any) -> dict[str, Any]:
    """An html element as Dash sends it to the browser (what ``html.<tag>(...)`` turns into)."""
    return {"type": tag, "namespace": HTML, "props": {"children": children, **props}}


def json_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str, numeric: Iterable[int]
) -> dict[str, Any]:
    """:func:`dashboard.components.table` (row headers, no footer) built as the JSON Dash sends,
    the same elements and attributes: a wijk table of the regelingen has thousands of cells,
    and a Dash component per cell cost more CPU than the disclosure control."""
    right = set(numeric)
    number = "text-end text-nowrap num"
    head = [
        _element("Th", c, scope="col", className="text-end" if i in right else None)
        for i, c in enumerate(columns)
    ]
    body = []
    for row in rows:
        cells = [_element("Th", row[0], scope="row", className=number if 0 in right else None)]
        cells += [
            _element("Td", v, className=number if i in right else None)
            for i, v in enumerate(row[1:], start=1)
        ]
        body.append(_element("Tr", cells))
    parts = [
        _element("Caption", caption),
        _element("Thead", _element("Tr", head)),
        _element("Tbody", body),
    ]
    classes = "table table-sm table-striped align-middle caption-top"
    return _element(
        "Div", _element("Table", parts, className=classes), className="table-responsive"
    )


def theme_tables(
    result: Aggregates, theme: str, wijk: str, names: Sequence[str] | None = None
) -> list[Any]:
    """The tables of one theme (or only ``names`` of it) for the gemeente (``wijk`` = totaal)
    or one wijk."""
    title, all_names = themes()[theme]
    names = all_names if names is None else names
    titles = {str(t["tabel"]): str(t["titel"]) for t in _items(result.metadata, "tabellen")}
    left_out = {str(t["tabel"]): t for t in _items(result.metadata, "niet_beschikbaar")}
    parts: list[Any] = [html.H2(title, className="h4 mt-2")]
    for name in names:
        if name in left_out:
            item = left_out[name]
            parts.append(
                alert(
                    _("Not available: {title} ({reason}).").format(
                        title=item["titel"], reason=item["reden"]
                    ),
                    "info",
                )
            )
            continue
        rows = result.frame.filter((pl.col("tabel") == name) & (pl.col("wijk") == wijk))
        if name in titles and rows.height:
            parts.append(_table(rows, titles[name]))
    return parts


def _items(metadata: dict[str, object], key: str) -> list[dict[str, object]]:
    found = metadata.get(key) or []
    assert isinstance(found, list)
    return found


def _wijken(result: Aggregates) -> list[str]:
    return sorted(set(result.frame["wijk"].to_list()) - {TOTAL})


def _facts_note(year: int) -> Any:
    """When the household facts behind these figures were computed, and whether the data
    changed since (the nightly run brings them up to date)."""
    who = principal()
    with db() as session:
        state = data.analyst_facts_state(session, who.municipality or "", year)
    if state is None:
        return None
    moment, current = state
    local = moment.astimezone(AMSTERDAM)
    text = _("Figures computed on {day} at {time}.").format(
        day=day(local.date()), time=f"{local:%H:%M}"
    )
    if current:
        return html.P(text, className="text-muted small")
    later = _("The data have changed since; the nightly run (hhb facts refresh) brings the "
              "figures up to date.")  # fmt: skip
    return alert(f"{text} {later}", "info")


def _compute(year: Any, level: Any, use: Any, tables: tuple[str, ...] | None = None) -> Aggregates:
    """The aggregates for the analyst's municipality (only ``tables``, when given: the page
    shows one theme, the export everything); ValueError with a Dutch reason."""
    who = principal()
    if not who.municipality:
        raise ValueError(_("no municipality is recorded for your account"))
    try:
        chosen = (int(year), Level(level), Use(use))
    except (TypeError, ValueError):
        raise ValueError(_("choose a year, a level and rules")) from None
    with db() as session:
        try:
            result = data.analyst_aggregates(session, who.municipality, *chosen, tables)
        except SuppressionError:
            raise ValueError(
                _(
                    "these figures cannot be shown safely at this level; choose "
                    "the municipality as a whole"
                )
            ) from None
        audit(
            session,
            who.username,
            "dashboard.aggregates.view",
            None,
            f"{who.municipality} {chosen[0]} {chosen[1]} {chosen[2]}",
        )
    return result


def register(app: Dash) -> None:
    add_page(
        __name__,
        path="/analist",
        title=_("Figures for the municipality - Huishoudboekje"),
        name=_("Figures for the municipality"),
        layout=layout,
        roles=sorted(ANALYST),
    )
    button = {"type": Ids.CHOICE, "field": ALL, "value": ALL}

    @app.callback(
        Output(Ids.CHOSEN, "data"),
        Output(button, "className"),
        Output(button, "aria-pressed"),
        Input(button, "n_clicks"),
        State(Ids.CHOSEN, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=ANALYST, action="aggregates.choose")
    def choose(_clicks: Any, chosen: Any) -> tuple[Any, Any, Any]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or trigger.get("field") not in FIELDS:
            raise PreventUpdate
        current = {f: (chosen or {}).get(f) for f in FIELDS}
        current[str(trigger["field"])] = str(trigger["value"])
        states = [_pressed(current.get(str(o["id"]["field"])) == o["id"]["value"])
                  for o in ctx.outputs_list[1]]  # fmt: skip
        return current, [c for c, _p in states], [p for _c, p in states]

    @app.callback(
        Output(Ids.MESSAGE, "children"),
        Output(Ids.TABLES, "children"),
        Output(Ids.WIJKEN, "children"),
        Output(Ids.WIJK_BOX, "hidden"),
        Input(Ids.CHOSEN, "data"),
        Input(Ids.WIJK, "value"),
    )
    @guarded(roles=ANALYST, action="aggregates.view")
    def show(chosen: Any, wijk: Any) -> tuple[Any, ...]:
        chosen = chosen if isinstance(chosen, dict) else {}
        if chosen.get("year") is None:
            return alert(_("There are no figures yet."), "info"), None, [], True
        theme = chosen.get("theme")
        theme = theme if theme in themes() else "huishoudens"
        shown_tables = _shown_tables(theme, chosen)
        try:
            result = _compute(chosen.get("year"), chosen.get("level"), chosen.get("use"),
                              shown_tables)  # fmt: skip
        except (ValueError, data.NoMonthData) as exc:
            reason = _("These figures cannot be shown: {reason}.").format(reason=exc)
            return alert(reason, "warning"), None, no_update, no_update
        per_wijk = Level(chosen["level"]) is Level.WIJK
        wijken = _wijken(result) if per_wijk else []
        wanted = str(wijk or "").strip().upper() if per_wijk else ""
        message = None
        # A theme whose tables are all left out has no rows, so no wijken to check against.
        if wanted and result.frame.height and wanted not in wijken:
            text = _("District {code} is not in these figures; the whole municipality is "
                     "shown.").format(code=wanted)  # fmt: skip
            message = alert(text, "warning")
        shown = wanted if wanted in wijken else TOTAL
        tables = theme_tables(result, theme, shown, shown_tables)
        if theme == "regelingen":
            options = [(title.removeprefix("Regeling: "), name)
                       for name, title in regeling_tables().items()]  # fmt: skip
            pick = _group("regeling", _("Regeling"), options, shown_tables[0])
            tables = [tables[0], html.Div(pick, className="row mb-3"), *tables[1:]]
        note = _facts_note(int(chosen["year"]))
        if note is not None:
            message = html.Div([note, message]) if message is not None else note
        return message, tables, [html.Option(value=w) for w in wijken], not per_wijk

    @app.callback(
        Output(Ids.DOWNLOAD, "data"),
        Output(Ids.EXPORT_STATUS, "children"),
        Input(Ids.EXPORT, "n_clicks"),
        State(Ids.CHOSEN, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=ANALYST, action="aggregates.export")
    def export(clicks: int | None, chosen: Any) -> tuple[Any, Any]:
        if not clicks:
            raise PreventUpdate
        chosen = chosen if isinstance(chosen, dict) else {}
        year, level, use = chosen.get("year"), chosen.get("level"), chosen.get("use")
        try:
            result = _compute(year, level, use)
        except (ValueError, data.NoMonthData) as exc:
            return no_update, alert(_("No export: {reason}.").format(reason=exc), "warning")
        content = data.export_csv(result)
        who = principal()
        detail = f"{who.municipality} {year} {level} {use}: {result.frame.height} rijen"
        with db() as session:
            audit(session, who.username, "dashboard.aggregates.export", None, detail)
        name = f"hhb-{who.municipality}-{year}-{level}-{use}.csv"
        download = {"content": base64.b64encode(content).decode("ascii"), "filename": name,
                    "type": "text/csv", "base64": True}  # fmt: skip
        done = _("Export ready: {rows} rows.").format(rows=result.frame.height)
        return download, alert(done, "success")
