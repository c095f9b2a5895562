"""Beheer: users, roles and caseloads, for the beheerder. No household data is shown here.

Every change goes through the same store functions as ``hhb user`` and ``hhb caseload``, which
check the input (password rules, roles) and write the audit log.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from sqlalchemy import select

from dashboard import sessions
from dashboard.access import guarded, guarded_layout
from dashboard.components import LIVE, add_page, alert, page_header, table
from dashboard.config import DashboardConfig
from dashboard.context import db, principal, state
from dashboard.formatting import short_day
from dashboard.i18n import _
from dashboard.shell import role_label
from store.access import add_to_caseload, caseload, remove_from_caseload
from store.households import ConflictError, NotFoundError
from store.models import Household
from store.users import Role, add_user, disable_user, get_user, list_users

ADMIN = frozenset({Role.BEHEERDER})


class Ids(StrEnum):
    VERSION = "bh-version"
    STATUS = "bh-status"
    USERS = "bh-users"
    DISABLE = "bh-disable"
    NEW_NAME = "bh-new-name"
    NEW_ROLE = "bh-new-role"
    NEW_HOUSEHOLD = "bh-new-household"
    NEW_MUNICIPALITY = "bh-new-municipality"
    NEW_PASSWORD = "bh-new-password"
    ADD = "bh-add"
    COACH = "bh-coach"
    COACHES = "bh-coaches"
    ROLES = "bh-roles"
    CASELOAD = "bh-caseload"
    CASE_CODE = "bh-case-code"
    CASE_ADD = "bh-case-add"
    CASE_REMOVE = "bh-case-remove"


def _field(label: str, control: Any, ident: str, width: str = "col-md-4") -> html.Div:
    return html.Div([html.Label(label, htmlFor=ident, className="form-label"), control],
                    className=width)  # fmt: skip


def _suggest(ident: str, suggestions: str, hint: str) -> dcc.Input:
    """A text field with the browser's own list of suggestions (a labelled native input: Dash's
    dropdown and radio items fail axe-core's accessibility rules)."""
    return dcc.Input(id=ident, list=suggestions, className="form-control", debounce=True,
                     autoComplete="off", placeholder=hint)  # fmt: skip


@guarded_layout(roles=ADMIN, action="admin.page")
def layout(**_query: Any) -> Any:
    roles = html.Datalist([html.Option(value=str(r)) for r in Role], id=Ids.ROLES)
    new_user = html.Div(
        [
            _field(_("User name"), dcc.Input(id=Ids.NEW_NAME, className="form-control"),
                   Ids.NEW_NAME),
            _field(_("Role"), _suggest(Ids.NEW_ROLE, Ids.ROLES, " / ".join(Role)), Ids.NEW_ROLE),
            _field(_("Household (participant only)"),
                   dcc.Input(id=Ids.NEW_HOUSEHOLD, className="form-control"), Ids.NEW_HOUSEHOLD),
            _field(_("Municipality code (analyst only)"),
                   dcc.Input(id=Ids.NEW_MUNICIPALITY, className="form-control",
                             placeholder="GM0344"), Ids.NEW_MUNICIPALITY),
            _field(_("Initial password"),
                   dcc.Input(id=Ids.NEW_PASSWORD, type="password", className="form-control",
                             autoComplete="new-password"), Ids.NEW_PASSWORD),
            html.Div(html.Button(_("Add user"), id=Ids.ADD, className="btn btn-primary"),
                     className="col-12"),
        ],
        className="row g-3 mb-4",
    )  # fmt: skip
    caseloads = html.Div(
        [
            _field(_("Budget coach"),
                   _suggest(Ids.COACH, Ids.COACHES, _("type or choose a name")), Ids.COACH),
            _field(_("Household code"), dcc.Input(id=Ids.CASE_CODE, className="form-control"),
                   Ids.CASE_CODE),
            html.Div(html.Button(_("Add to caseload"), id=Ids.CASE_ADD,
                                 className="btn btn-primary"), className="col-md-4 align-self-end"),
            html.Div(id=Ids.CASELOAD, className="col-12"),
        ],
        className="row g-3",
    )  # fmt: skip
    return html.Div(
        [
            page_header(_("Users and caseloads"),
                        _("Accounts, their roles, and which households each coach supports.")),
            dcc.Store(id=Ids.VERSION, data=0),
            roles,
            html.Datalist(id=Ids.COACHES),
            html.Div(id=Ids.STATUS, **LIVE),
            html.H2(_("Users"), className="h4"),
            html.Div(id=Ids.USERS),
            html.H2(_("New user"), className="h4 mt-4"),
            new_user,
            html.H2(_("Caseloads"), className="h4 mt-4"),
            caseloads,
        ]
    )  # fmt: skip


def _problem(exc: Exception) -> Any:
    return alert(str(exc).capitalize() + ".", "warning")


def register(app: Dash) -> None:
    add_page(
        __name__, path="/beheer", title=_("Users and caseloads - Huishoudboekje"),
        name=_("Users and caseloads"), layout=layout, roles=sorted(ADMIN),
    )  # fmt: skip

    @app.callback(Output(Ids.USERS, "children"), Output(Ids.COACHES, "children"),
                  Input(Ids.VERSION, "data"))  # fmt: skip
    @guarded(roles=ADMIN, action="users.view")
    def users(_version: int) -> tuple[Any, Any]:
        me = principal().username
        with db() as session:
            everyone = list_users(session)
            codes = {i: c for i, c in session.execute(select(Household.id, Household.code))}
            rows = []
            for u in everyone:
                scope = codes.get(u.household_id, "") if u.household_id else (u.municipality or "")
                if u.disabled_at:
                    status: Any = _("disabled since {date}").format(date=short_day(u.disabled_at))
                elif u.username == me:
                    status = _("active (you)")
                else:
                    status = html.Button(
                        _("Disable"), className="btn btn-sm btn-outline-danger",
                        id={"type": Ids.DISABLE, "user": u.username},
                    )  # fmt: skip
                rows.append([u.username, role_label(Role(u.role)), scope, status])
            coaches = [u.username for u in everyone
                       if u.role == Role.BUDGETCOACH and u.disabled_at is None]  # fmt: skip
        return (
            table([_("User name"), _("Role"), _("Household or municipality"), _("Status")], rows,
                  caption=_("All users")),
            [html.Option(value=c) for c in coaches],
        )  # fmt: skip

    @app.callback(
        Output(Ids.VERSION, "data"), Output(Ids.STATUS, "children"),
        Output(Ids.NEW_PASSWORD, "value"),
        Input(Ids.ADD, "n_clicks"),
        State(Ids.NEW_NAME, "value"), State(Ids.NEW_ROLE, "value"),
        State(Ids.NEW_HOUSEHOLD, "value"), State(Ids.NEW_MUNICIPALITY, "value"),
        State(Ids.NEW_PASSWORD, "value"), State(Ids.VERSION, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    @guarded(roles=ADMIN, action="users.add")
    def add(
        _clicks: int | None, name: str | None, role: str | None, household: str | None,
        municipality: str | None, password: str | None, version: int,
    ) -> tuple[Any, Any, str]:  # fmt: skip
        if not name or not role:
            return version, alert(_("Fill in a user name and a role."), "warning"), ""
        if role.strip() not in {str(r) for r in Role}:
            known = ", ".join(str(r) for r in Role)
            return version, alert(_("Unknown role; choose one of: {roles}.").format(roles=known),
                                  "warning"), ""  # fmt: skip
        try:
            with db() as session:
                add_user(session, name.strip(), Role(role.strip()), password or "",
                         principal().username, household=(household or "").strip() or None,
                         municipality=(municipality or "").strip() or None)  # fmt: skip
        except (ConflictError, NotFoundError, ValueError) as exc:
            return version, _problem(exc), ""
        return version + 1, alert(_("User {name} added.").format(name=name.strip()),
                                  "success"), ""  # fmt: skip

    @app.callback(
        Output(Ids.VERSION, "data", allow_duplicate=True),
        Output(Ids.STATUS, "children", allow_duplicate=True),
        Input({"type": Ids.DISABLE, "user": ALL}, "n_clicks"),
        State(Ids.VERSION, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=ADMIN, action="users.disable")
    def disable(clicks: list[int | None], version: int) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks):
            raise PreventUpdate
        name = str(trigger.get("user"))
        if name == principal().username:
            return version, alert(_("You cannot disable your own account."), "warning")
        config: DashboardConfig = state().config
        try:
            with db() as session:
                disable_user(session, name, principal().username)
                sessions.end_all(session, get_user(session, name).id, config.clock(),
                                 sessions.EndReason.DISABLED)  # fmt: skip
        except NotFoundError as exc:
            return version, _problem(exc)
        return version + 1, alert(_("User {name} disabled and logged out.").format(name=name),
                                  "success")  # fmt: skip

    @app.callback(Output(Ids.CASELOAD, "children"), Input(Ids.COACH, "value"),
                  Input(Ids.VERSION, "data"))  # fmt: skip
    @guarded(roles=ADMIN, action="caseload.admin-view")
    def show_caseload(coach: str | None, _version: int) -> Any:
        if not coach:
            return html.P(_("Choose a budget coach to see their caseload."),
                          className="text-body-secondary")  # fmt: skip
        with db() as session:
            entries = caseload(session, coach)
        rows = [[e.household, short_day(e.added_at.date()),
                 html.Button(_("Remove"), className="btn btn-sm btn-outline-danger",
                             id={"type": Ids.CASE_REMOVE, "household": e.household})]
                for e in entries]  # fmt: skip
        if not rows:
            return html.P(_("This caseload is empty."), className="text-body-secondary")
        return table([_("Household"), _("Since"), _("Change")], rows,
                     caption=_("Caseload of {coach}").format(coach=coach))  # fmt: skip

    @app.callback(
        Output(Ids.VERSION, "data", allow_duplicate=True),
        Output(Ids.STATUS, "children", allow_duplicate=True),
        Input(Ids.CASE_ADD, "n_clicks"),
        Input({"type": Ids.CASE_REMOVE, "household": ALL}, "n_clicks"),
        State(Ids.COACH, "value"), State(Ids.CASE_CODE, "value"), State(Ids.VERSION, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    @guarded(roles=ADMIN, action="caseload.change")
    def change_caseload(
        add_clicks: int | None, remove_clicks: list[int | None], coach: str | None,
        code: str | None, version: int,
    ) -> tuple[Any, Any]:  # fmt: skip
        trigger = ctx.triggered_id
        if not coach:
            return version, alert(_("Choose a budget coach first."), "warning")
        actor = principal().username
        try:
            with db() as session:
                if isinstance(trigger, dict):
                    if not any(remove_clicks):
                        raise PreventUpdate
                    household = str(trigger.get("household"))
                    remove_from_caseload(session, coach, household, actor)
                    text = _("{code} removed from the caseload of {coach}.")
                else:
                    household = (code or "").strip()
                    add_to_caseload(session, coach, household, actor)
                    text = _("{code} added to the caseload of {coach}.")
        except (ConflictError, NotFoundError) as exc:
            return version, _problem(exc)
        return version + 1, alert(text.format(code=household, coach=coach), "success")
