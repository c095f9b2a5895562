"""Indeling: how each transaction of a month was classified (ketenpartner, rubriek, and why),
and the coach's correction, which becomes a rule for this and later imports.

Only a budget coach with the participant's consent sees this page (as ``hhb classify`` and
``hhb classify correct``); the correction is :func:`store.classification.correct`, which records
the rule and writes it to the audit log.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from budget.categories import Rubriek
from dashboard import data
from dashboard.access import guarded, guarded_layout
from dashboard.components import LIVE, add_page, alert, household_tabs, month_input, page_header
from dashboard.components import table as html_table
from dashboard.context import db, principal
from dashboard.formatting import euro, short_day
from dashboard.i18n import _
from store.classification import classified_transactions, correct
from store.households import NotFoundError, audit, get_household
from store.transactions import month_bounds
from store.users import Role

COACH = frozenset({Role.BUDGETCOACH})


class Ids(StrEnum):
    HOUSEHOLD = "ix-household"
    MONTH = "ix-month"
    MESSAGE = "ix-message"
    TABLE = "ix-table"
    KEYS = "ix-keys"
    KEY = "ix-key"
    RUBRIEKEN = "ix-rubrieken"
    RUBRIEK = "ix-rubriek"
    PARTNER = "ix-partner"
    AS_RULE = "ix-as-rule"
    ONLY_THIS = "ix-only-this"
    STATUS = "ix-status"


def _field(label: str, control: Any, ident: str, width: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=ident, className="form-label"), control],
                    className=width)  # fmt: skip


@guarded_layout(roles=COACH, action="classification.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    form = html.Div(
        [
            _field(_("Transaction (key)"), dcc.Input(id=Ids.KEY, list=Ids.KEYS,
                   className="form-control", autoComplete="off"), Ids.KEY, "col-md-4"),
            _field(_("Rubriek"), dcc.Input(id=Ids.RUBRIEK, list=Ids.RUBRIEKEN,
                   className="form-control", autoComplete="off"), Ids.RUBRIEK, "col-md-4"),
            _field(_("Chain partner (optional)"), dcc.Input(id=Ids.PARTNER,
                   className="form-control", maxLength=128), Ids.PARTNER, "col-md-4"),
            html.Datalist([], id=Ids.KEYS),
            html.Datalist([html.Option(value=r.value) for r in Rubriek], id=Ids.RUBRIEKEN),
            html.Div(
                [
                    html.Button(_("Save as a rule for this counterparty"), id=Ids.AS_RULE,
                                type="button", className="btn btn-primary me-2"),
                    html.Button(_("Only this transaction"), id=Ids.ONLY_THIS, type="button",
                                className="btn btn-outline-primary"),
                ],
                className="col-12",
            ),
            html.Div(id=Ids.STATUS, className="col-12", **LIVE),
        ],
        className="row g-3 mb-4",
    )  # fmt: skip
    return html.Div(
        [
            household_tabs(hid, "indeling", principal().role),
            page_header(
                _("Classification"),
                _(
                    "Per transaction the chain partner and rubriek, and which rule decided it. "
                    "A correction becomes a rule that also applies to later imports."
                ),
            ),
            dcc.Store(id=Ids.HOUSEHOLD, data=hid),
            html.H2(_("Correct a classification"), className="h5"),
            form,
            html.Div(
                _field(_("Month"), month_input(Ids.MONTH), Ids.MONTH, "col-sm-4"),
                className="row g-3 mb-3",
            ),
            html.Div(id=Ids.MESSAGE, **LIVE),
            dcc.Loading(html.Div(id=Ids.TABLE)),
        ]
    )


def _month_rows(household: str, value: str | None) -> tuple[str, pl.DataFrame]:
    """(the month shown as JJJJ-MM, its classified transactions); the last month with data
    when none is chosen. ValueError with a Dutch reason."""
    with db() as session:
        months = data.data_months(session, household)
        if not months:
            raise ValueError(_("this household has no transactions yet"))
        if value:
            try:
                first, last = month_bounds(value)
            except ValueError:
                raise ValueError(_("choose a month (YYYY-MM)")) from None
        else:
            first, last = months[-1], data.next_month(months[-1]) - dt.timedelta(days=1)
        frame = classified_transactions(session, household, first, last)
        audit(session, principal().username, "dashboard.classification.view",
              get_household(session, household).id, f"{first:%Y-%m}")  # fmt: skip
    return f"{first:%Y-%m}", frame


def _table(frame: pl.DataFrame, shown: str) -> Any:
    rows = [
        [short_day(r["booking_date"]), r["counterparty_name"] or "", euro(r["amount_cents"]),
         r["ketenpartner"] or "", r["rubriek"], r["reason"], r["tx_key"]]
        for r in frame.sort("booking_date", "position").iter_rows(named=True)
    ]  # fmt: skip
    if not rows:
        return alert(_("There are no transactions in {month}.").format(month=shown), "info")
    return html_table(
        [_("Date"), _("Counterparty"), _("Amount"), _("Chain partner"), _("Rubriek"), _("Why"),
         _("Key")],
        rows, caption=_("Transactions of {month}").format(month=shown), numeric=(2,),
    )  # fmt: skip


def _options(frame: pl.DataFrame) -> list[Any]:
    return [html.Option(r["counterparty_name"] or "", value=r["tx_key"])
            for r in frame.iter_rows(named=True)]  # fmt: skip


def register(app: Dash) -> None:
    add_page(
        __name__, path_template="/huishouden/<hid>/indeling", path="/huishouden/indeling",
        title=_("Classification - Huishoudboekje"), name=_("Classification"), layout=layout,
        roles=sorted(COACH),
    )  # fmt: skip

    @app.callback(
        Output(Ids.MESSAGE, "children"),
        Output(Ids.TABLE, "children"),
        Output(Ids.KEYS, "children"),
        Input(Ids.MONTH, "value"),
        State(Ids.HOUSEHOLD, "data"),
    )
    @guarded(roles=COACH, action="classification.view", household=True)
    def show(value: str | None, household: str) -> tuple[Any, Any, Any]:
        try:
            shown, frame = _month_rows(household, value)
        except ValueError as exc:
            return alert(str(exc).capitalize() + ".", "warning"), None, []
        return None, _table(frame, shown), _options(frame)

    @app.callback(
        Output(Ids.STATUS, "children"),
        Output(Ids.TABLE, "children", allow_duplicate=True),
        Input(Ids.AS_RULE, "n_clicks"),
        Input(Ids.ONLY_THIS, "n_clicks"),
        State(Ids.KEY, "value"),
        State(Ids.RUBRIEK, "value"),
        State(Ids.PARTNER, "value"),
        State(Ids.MONTH, "value"),
        State(Ids.HOUSEHOLD, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=COACH, action="classification.correct", household=True)
    def save(
        _rule: int | None, _only: int | None, key: str | None, rubriek: str | None,
        partner: str | None, value: str | None, household: str,
    ) -> tuple[Any, Any]:  # fmt: skip
        key, chosen = (key or "").strip(), (rubriek or "").strip().lower()
        if not key:
            return alert(_("Choose the transaction (its key) to correct."), "warning"), no_update
        if chosen not in {r.value for r in Rubriek}:
            return alert(_("Choose a rubriek from the list."), "warning"), no_update
        try:
            with db() as session:
                rule = correct(session, household, key, Rubriek(chosen), principal().username,
                               ketenpartner=(partner or "").strip() or None,
                               only_this=ctx.triggered_id == Ids.ONLY_THIS)  # fmt: skip
        except NotFoundError as exc:
            return alert(str(exc).capitalize() + ".", "warning"), no_update
        try:
            shown, frame = _month_rows(household, value)
        except ValueError:
            return alert(_("Saved."), "success"), no_update
        done = _("Saved: {what} is now {rubriek}, also in later imports.").format(
            what=rule.value, rubriek=chosen
        )
        return alert(done, "success"), _table(frame, shown)
