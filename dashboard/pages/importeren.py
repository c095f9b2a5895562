"""Importeren: a coach uploads bank statements and benefit files for a household.

Each file goes through ``store.importing.import_bytes`` in its own transaction, exactly as
``hhb import`` does: the importer is chosen by content, a file is stored all or nothing, and
what was already there is skipped. The coach gets a summary per file, or one clear Dutch line
saying what is wrong with it; a bad file never stops the others.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Any

from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data
from dashboard.access import guarded, guarded_layout
from dashboard.components import LIVE, add_page, alert, household_tabs, page_header, table
from dashboard.context import db, principal
from dashboard.formatting import moment, short_day
from dashboard.i18n import _
from ingest.errors import IngestError
from store.households import ConflictError, NotFoundError
from store.import_log import ImportSummary
from store.importing import import_bytes
from store.users import Role

COACH = frozenset({Role.BUDGETCOACH})


class Ids(StrEnum):
    HOUSEHOLD = "im-household"
    ACCOUNT = "im-account"
    UPLOAD = "im-upload"
    RESULT = "im-result"
    HISTORY = "im-history"


@guarded_layout(roles=COACH, action="import.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    return html.Div(
        [
            household_tabs(hid, "importeren", principal().role),
            page_header(
                _("Import files"),
                _(
                    "Bank statements (MT940, CAMT.053, OFX, the CSV exports of Dutch banks) and "
                    "benefit payment files. Files already imported are recognised; nothing is "
                    "counted twice."
                ),
            ),
            dcc.Store(id=Ids.HOUSEHOLD, data=hid),
            html.Div(
                [
                    html.Label(
                        _("Own account (only for exports that do not state it)"),
                        htmlFor=Ids.ACCOUNT,
                        className="form-label",
                    ),
                    dcc.Input(
                        id=Ids.ACCOUNT,
                        type="text",
                        className="form-control",
                        placeholder="NL00BANK0123456789",
                        debounce=True,
                    ),
                ],
                className="mb-3",
                style={"maxWidth": "28rem"},
            ),
            dcc.Upload(
                id=Ids.UPLOAD,
                multiple=True,
                children=html.Div(
                    [_("Drag files here or "), html.Span(_("choose files"), className="link")],
                ),
                className="upload-zone",
                className_active="upload-zone active",
            ),
            dcc.Loading(html.Div(id=Ids.RESULT, className="mt-3", **LIVE)),
            html.H2(_("Earlier imports"), className="h5 mt-4"),
            html.Div(id=Ids.HISTORY),
        ]
    )


def summary_view(s: ImportSummary) -> html.Div:
    """What ``hhb import`` prints for a file, as a card."""
    if s.period_start and s.period_end:
        period = f"{short_day(s.period_start)} t/m {short_day(s.period_end)}"
    else:
        period = _("no period")
    if s.format == "benefit":
        what = _("benefit data ({dialect}) from {payer}").format(dialect=s.dialect, payer=s.bank)
        count = _("{n} lines in file").format(n=s.n_in_file)
    else:
        what = _("{format} {bank} ({dialect}), account {accounts}").format(
            format=s.format, bank=s.bank, dialect=s.dialect, accounts=", ".join(s.accounts)
        )
        count = _("{n} transactions in file").format(n=s.n_in_file)  # fmt: skip
    items = [
        what,
        _("period {period}; {count}").format(period=period, count=count),
        _("{added} added, {dup} skipped as duplicates").format(added=s.n_added,
                                                               dup=s.n_duplicates),
    ]  # fmt: skip
    if s.n_deleted_skipped:
        items.append(_("{n} deleted earlier and not restored").format(n=s.n_deleted_skipped))
    if s.seen_before:
        items.append(_("this file had been imported before"))
    if s.benefit_links:
        items.append(_("{n} benefit payments linked to bank transactions").format(
            n=s.benefit_links))  # fmt: skip
    items += [_("warning: {w}").format(w=w) for w in s.warnings]
    return html.Div(
        [html.H3(s.file, className="h6"), html.Ul([html.Li(i) for i in items], className="mb-0")],
        className="alert alert-success",
        role="status",
    )


def _decode(content: str) -> bytes:
    """``data:<type>;base64,<data>`` as dcc.Upload delivers it."""
    try:
        return base64.b64decode(content.split(",", 1)[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise ValueError(_("the upload arrived damaged; please try again")) from None


def import_files(household: str, files: list[tuple[str, str]], account: str | None) -> list[Any]:
    """Import each (name, upload content) in its own transaction; a card per file."""
    actor = principal().username
    out: list[Any] = []
    for name, content in files:
        try:
            raw = _decode(content)
            with db() as session:
                summary = import_bytes(session, household, raw, name, actor,
                                       account=(account or "").strip() or None)  # fmt: skip
            out.append(summary_view(summary))
        except (IngestError, ConflictError, NotFoundError, ValueError) as exc:
            message = str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
            out.append(alert([html.Strong(_("Not imported: ")), message], "danger"))
    return out


def _kind(kind: str) -> str:
    return _("benefit data") if kind == "benefit" else kind


def _history(household: str) -> Any:
    with db() as session:
        rows = data.recent_imports(session, household)
    if not rows:
        return html.P(_("No files have been imported yet."), className="text-body-secondary")
    return table(
        [_("File"), _("Imported on"), _("By"), _("Kind"), _("Added"), _("Duplicates")],
        [[r.file, moment(r.imported_at), r.imported_by, f"{_kind(r.kind)} {r.bank}", str(r.added),
          str(r.duplicates)] for r in rows],
        numeric=(4, 5),
        caption=_("The last {n} imports").format(n=len(rows)),
    )  # fmt: skip


def register(app: Dash) -> None:
    add_page(
        __name__,
        path_template="/huishouden/<hid>/importeren",
        path="/huishouden/importeren",
        title=_("Import files - Huishoudboekje"),
        name=_("Import files"),
        layout=layout,
        roles=sorted(COACH),
    )

    @app.callback(Output(Ids.HISTORY, "children"), Input(Ids.HOUSEHOLD, "data"))
    @guarded(roles=COACH, action="import.history", household=True)
    def history(household: str) -> Any:
        return _history(household)

    @app.callback(
        Output(Ids.RESULT, "children"),
        Output(Ids.HISTORY, "children", allow_duplicate=True),
        Output(Ids.UPLOAD, "contents"),
        Input(Ids.UPLOAD, "contents"),
        State(Ids.UPLOAD, "filename"),
        State(Ids.ACCOUNT, "value"),
        State(Ids.HOUSEHOLD, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=COACH, action="import.upload", household=True)
    def upload(
        contents: list[str] | None, names: list[str] | None, account: str | None, household: str
    ) -> tuple[Any, Any, None]:
        if not contents:
            raise PreventUpdate
        files = list(zip(names or [f"bestand-{i + 1}" for i in range(len(contents))], contents,
                         strict=False))  # fmt: skip
        return import_files(household, files, account), _history(household), None
