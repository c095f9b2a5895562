"""Mijn gegevens: the household profile and its history, consent, export, and the audit log.

The participant sees and manages everything here; their coach (with consent) sees the profile
and its history only. Consent changes count at once: the coach's next request is refused.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data, export
from dashboard.access import HOUSEHOLD_ROLES, guarded, guarded_layout
from dashboard.components import (
    LIVE,
    add_page,
    alert,
    download_data,
    household_tabs,
    page_header,
    table,
)
from dashboard.context import db, principal
from dashboard.formatting import day, euro, moment, short_day
from dashboard.i18n import _, action_label
from ingest.profile import HouseholdProfile
from store.access import coaches_of, consent_history, grant_consent, revoke_consent
from store.households import ConflictError, NotFoundError, get_household
from store.profiles import profile_history, profile_on
from store.users import Role

PARTICIPANT = frozenset({Role.DEELNEMER})


class Ids(StrEnum):
    HOUSEHOLD = "gg-household"
    PROFILE = "gg-profile"
    CONSENTS = "gg-consents"
    CONSENT_VERSION = "gg-consent-version"
    CONSENT_STATUS = "gg-consent-status"
    CONSENT_BUTTON = "gg-consent"
    EXPORT_JSON = "gg-export-json"
    EXPORT_CSV = "gg-export-csv"
    DOWNLOAD = "gg-download"
    AUDIT = "gg-audit"


@guarded_layout(roles=HOUSEHOLD_ROLES, action="details.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    who = principal()
    mine = who.role is Role.DEELNEMER
    parts: list[Any] = [
        household_tabs(hid, "gegevens", who.role),
        page_header(
            _("My details") if mine else _("Details"),
            _("What is known about the household, and since when."),
        ),
        dcc.Store(id=Ids.HOUSEHOLD, data=hid),
        dcc.Loading(html.Div(id=Ids.PROFILE)),
    ]
    if mine:
        parts += [
            html.H2(_("Who may see my household"), className="h4 mt-4"),
            html.P(
                _(
                    "A budget coach sees your household only with your consent. You can "
                    "withdraw it at any moment; it takes effect immediately."
                )
            ),
            dcc.Store(id=Ids.CONSENT_VERSION, data=0),
            html.Div(id=Ids.CONSENT_STATUS, **LIVE),
            html.Div(id=Ids.CONSENTS),
            html.H2(_("Download all my data"), className="h4 mt-4"),
            html.P(_("Everything stored about your household, as JSON or as CSV files.")),
            html.Div(
                [
                    html.Button(
                        _("Download as JSON"),
                        id=Ids.EXPORT_JSON,
                        className="btn btn-outline-primary",
                    ),
                    html.Button(
                        _("Download as CSV (zip)"),
                        id=Ids.EXPORT_CSV,
                        className="btn btn-outline-primary",
                    ),
                ],
                className="d-flex gap-2",
            ),
            dcc.Download(id=Ids.DOWNLOAD),
            html.H2(_("Who looked at or changed my data"), className="h4 mt-4"),
            dcc.Loading(html.Div(id=Ids.AUDIT)),
        ]
    return html.Div(parts)


def _member_role(value: str) -> str:
    return {
        "aanvrager": _("applicant"),
        "toeslagpartner": _("benefit partner"),
        "kind": _("child"),
        "medebewoner": _("co-resident"),
    }.get(value, value)


def profile_view(profile: HouseholdProfile) -> html.Div:
    period = profile.participation
    until = day(period.end) if period.end else _("ongoing")
    facts = [
        (_("Municipality"), profile.municipality),
        (_("Postcode"), profile.postcode),
        (_("District"), profile.wijk or "—"),
        (_("Budget coach"), profile.coach),
        (_("Taking part"), f"{day(period.start)} – {until}"),
        (_("Rent per month"), euro(profile.rent.total_cents) if profile.rent else "—"),
    ]
    members = [
        [m.name or "—", _member_role(str(m.role)), short_day(m.birth_date)] for m in profile.members
    ]
    wealth = [[str(w.year), euro(w.amount_cents)] for w in profile.wealth]
    parts: list[Any] = [
        html.Dl(
            [
                item
                for label, value in facts
                for item in (
                    html.Dt(label, className="col-sm-3"),
                    html.Dd(value, className="col-sm-9"),
                )
            ],
            className="row",
        ),
        table([_("Name"), _("Role"), _("Date of birth")], members, caption=_("Members")),
    ]
    if wealth:
        parts.append(table([_("Year"), _("Wealth on 1 January")], wealth, numeric=(1,),
                           caption=_("Wealth")))  # fmt: skip
    return html.Div(parts)


def _consent_list(household: str) -> Any:
    with db() as session:
        coaches = coaches_of(session, household)
        history = consent_history(session, household)
    if not coaches:
        return alert(_("No budget coach has been assigned to your household."), "info")
    rows = []
    for c in coaches:
        if c.consent_since is not None:
            state = _("has access since {date}").format(date=moment(c.consent_since))
            if not c.in_caseload:
                state = _("consent given, but not assigned to your household")
            button = html.Button(
                _("Withdraw consent"),
                className="btn btn-sm btn-outline-danger",
                id={"type": Ids.CONSENT_BUTTON, "coach": c.coach, "do": "revoke"},
            )
        else:
            state = _("no access")
            button = html.Button(
                _("Give consent"),
                className="btn btn-sm btn-primary",
                id={"type": Ids.CONSENT_BUTTON, "coach": c.coach, "do": "grant"},
            )
        rows.append([c.coach, state, button])
    past = [
        [r.coach, moment(r.granted_at), r.granted_by,
         moment(r.revoked_at) if r.revoked_at else "—", r.revoked_by or "—"]
        for r in history
    ]  # fmt: skip
    return html.Div(
        [
            table([_("Budget coach"), _("Access"), _("Change")], rows, caption=_("Consent")),
            table(
                [
                    _("Budget coach"),
                    _("Given on"),
                    _("Given by"),
                    _("Withdrawn on"),
                    _("Withdrawn by"),
                ],
                past,
                caption=_("History of consent"),
            ),
        ]
    )


def register(app: Dash) -> None:
    add_page(
        __name__,
        path_template="/huishouden/<hid>/gegevens",
        path="/huishouden/gegevens",
        title=_("My details - Huishoudboekje"),
        name=_("My details"),
        layout=layout,
        roles=sorted(HOUSEHOLD_ROLES),
    )

    @app.callback(Output(Ids.PROFILE, "children"), Input(Ids.HOUSEHOLD, "data"))
    @guarded(roles=HOUSEHOLD_ROLES, action="profile.view", household=True)
    def show_profile(household: str) -> Any:
        with db() as session:
            current = profile_on(session, household, dt.date.today())
            history = profile_history(session, household)
        if current is None and not history:
            return alert(_("No profile has been recorded for this household yet."), "info")
        shown = current or history[-1].profile
        rows = [
            [day(h.valid_from), moment(h.recorded_at), h.recorded_by, h.source_file or "—"]
            for h in reversed(history)
        ]
        return html.Div(
            [
                profile_view(shown),
                table(
                    [_("Valid from"), _("Recorded on"), _("Recorded by"), _("Source")],
                    rows,
                    caption=_("History of the profile"),
                ),
            ]
        )

    @app.callback(
        Output(Ids.CONSENTS, "children"),
        Input(Ids.HOUSEHOLD, "data"),
        Input(Ids.CONSENT_VERSION, "data"),
    )
    @guarded(roles=PARTICIPANT, action="consent.view", household=True)
    def show_consents(household: str, _version: int) -> Any:
        return _consent_list(household)

    @app.callback(
        Output(Ids.CONSENT_VERSION, "data"),
        Output(Ids.CONSENT_STATUS, "children"),
        Input({"type": Ids.CONSENT_BUTTON, "coach": ALL, "do": ALL}, "n_clicks"),
        State(Ids.CONSENT_VERSION, "data"),
        State(Ids.HOUSEHOLD, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=PARTICIPANT, action="consent.change", household=True)
    def change_consent(clicks: list[int | None], version: int, household: str) -> Any:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks):
            raise PreventUpdate
        coach, do = str(trigger.get("coach")), trigger.get("do")
        actor = principal().username
        try:
            with db() as session:
                if do == "grant":
                    grant_consent(session, household, coach, actor)
                    message = _("{coach} now has access to your household.").format(coach=coach)
                else:
                    revoke_consent(session, household, coach, actor)
                    message = _("{coach} no longer has access to your household.").format(
                        coach=coach)  # fmt: skip
        except (ConflictError, NotFoundError) as exc:
            return (version or 0) + 1, alert(str(exc).capitalize() + ".", "warning")
        return (version or 0) + 1, alert(message, "success")

    @app.callback(
        Output(Ids.DOWNLOAD, "data"),
        Input(Ids.EXPORT_JSON, "n_clicks"),
        Input(Ids.EXPORT_CSV, "n_clicks"),
        State(Ids.HOUSEHOLD, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=PARTICIPANT, action="export", household=True)
    def download(_json: int | None, _csv: int | None, household: str) -> Any:
        as_csv = ctx.triggered_id == Ids.EXPORT_CSV
        stamp = f"{dt.date.today():%Y-%m-%d}"
        with db() as session:  # the guard has audited this as dashboard.export
            content = export.household_data(session, household)
        if as_csv:
            return download_data(export.as_csv_zip(content), f"mijn-gegevens-{stamp}.zip")
        return download_data(export.as_json(content), f"mijn-gegevens-{stamp}.json")

    @app.callback(
        Output(Ids.AUDIT, "children"),
        Input(Ids.HOUSEHOLD, "data"),
        Input(Ids.CONSENT_VERSION, "data"),
    )
    @guarded(roles=PARTICIPANT, action="audit.view", household=True)
    def show_audit(household: str, _version: int) -> Any:
        with db() as session:
            events = data.audit_log(session, get_household(session, household).id)
        rows = [[moment(e.at), e.actor, action_label(e.action), e.detail] for e in events]
        return table(
            [_("When"), _("Who"), _("What"), _("Details")],
            rows,
            caption=_("The last {n} entries of the audit log").format(n=len(rows)),
        )
