"""`hhb caseload` and `hhb consent`: who supports which household, and the participant's consent.

The dashboard is where a participant gives and withdraws consent; the command line records a
consent given another way (a signed form at the counter) and lets a beheerder assign caseloads.
Both go through ``store.access``, which writes the household's audit log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from hhb.clikit import Context, db_option, user_errors
from store.access import (
    add_to_caseload,
    caseload,
    coaches_of,
    consent_history,
    grant_consent,
    remove_from_caseload,
    revoke_consent,
)
from store.db import session_scope


@click.group("caseload")
def caseload_group() -> None:
    """Caseloads van budgetcoaches beheren."""


@caseload_group.command("add")
@click.argument("coach")
@click.argument("households", nargs=-1, required=True)
@db_option
@click.pass_obj
@user_errors
def caseload_add(obj: Context, coach: str, households: Sequence[str]) -> None:
    """Zet huishoudens in de caseload van een budgetcoach."""
    with session_scope(obj.engine()) as session:
        for code in households:
            add_to_caseload(session, coach, code, obj.actor)
    click.echo(f"{len(households)} huishouden(s) toegevoegd aan de caseload van {coach}.")


@caseload_group.command("remove")
@click.argument("coach")
@click.argument("households", nargs=-1, required=True)
@db_option
@click.pass_obj
@user_errors
def caseload_remove(obj: Context, coach: str, households: Sequence[str]) -> None:
    """Haal huishoudens uit de caseload van een budgetcoach."""
    with session_scope(obj.engine()) as session:
        for code in households:
            remove_from_caseload(session, coach, code, obj.actor)
    click.echo(f"{len(households)} huishouden(s) uit de caseload van {coach} gehaald.")


@caseload_group.command("list")
@click.argument("coach")
@click.option("--json", "as_json", is_flag=True, help="als JSON")
@db_option
@click.pass_obj
@user_errors
def caseload_list(obj: Context, coach: str, as_json: bool) -> None:
    """Toon de caseload van een budgetcoach, met of er toestemming is."""
    with session_scope(obj.engine()) as session:
        entries = caseload(session, coach)
    if as_json:
        payload = [
            {"household": e.household, "added_at": e.added_at.isoformat(), "consent": e.consent}
            for e in entries
        ]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for e in entries:
        state = "toestemming" if e.consent else "geen toestemming"
        click.echo(f"{e.household:<24} sinds {e.added_at:%d-%m-%Y}  {state}")
    click.echo(f"{len(entries)} huishouden(s)")


@click.group("consent")
def consent_group() -> None:
    """Toestemming van een deelnemer voor een budgetcoach vastleggen of intrekken."""


@consent_group.command("grant")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--coach", required=True, help="gebruikersnaam van de budgetcoach")
@db_option
@click.pass_obj
@user_errors
def consent_grant(obj: Context, household_code: str, coach: str) -> None:
    """Leg vast dat de deelnemer de coach toegang geeft (bijvoorbeeld op een getekend formulier)."""
    with session_scope(obj.engine()) as session:
        new = grant_consent(session, household_code, coach, obj.actor)
    click.echo(f"Toestemming voor {coach} bij {household_code} "
               + ("vastgelegd." if new else "bestond al."))  # fmt: skip


@consent_group.command("revoke")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--coach", required=True, help="gebruikersnaam van de budgetcoach")
@db_option
@click.pass_obj
@user_errors
def consent_revoke(obj: Context, household_code: str, coach: str) -> None:
    """Trek de toestemming in; de coach heeft meteen geen toegang meer."""
    with session_scope(obj.engine()) as session:
        ended = revoke_consent(session, household_code, coach, obj.actor)
    click.echo(f"Toestemming voor {coach} bij {household_code} "
               + ("ingetrokken." if ended else "was er niet."))  # fmt: skip


@consent_group.command("list")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--json", "as_json", is_flag=True, help="als JSON")
@db_option
@click.pass_obj
@user_errors
def consent_list(obj: Context, household_code: str, as_json: bool) -> None:
    """Toon welke coaches toegang hebben, en de geschiedenis van de toestemming."""
    with session_scope(obj.engine()) as session:
        coaches = coaches_of(session, household_code)
        history = consent_history(session, household_code)
    if as_json:
        payload = {
            "coaches": [
                {"coach": c.coach, "in_caseload": c.in_caseload, "access": c.has_access}
                for c in coaches
            ],
            "history": [
                {
                    "coach": r.coach,
                    "granted_at": r.granted_at.isoformat(),
                    "granted_by": r.granted_by,
                    "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                    "revoked_by": r.revoked_by,
                }
                for r in history
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for c in coaches:
        state = "heeft toegang" if c.has_access else (
            "toestemming, niet in caseload" if c.consent_since else "geen toegang")  # fmt: skip
        click.echo(f"{c.coach:<24} {state}")
    for r in history:
        until = f" tot {r.revoked_at:%d-%m-%Y %H:%M} ({r.revoked_by})" if r.revoked_at else ""
        click.echo(f"  {r.coach}: gegeven {r.granted_at:%d-%m-%Y %H:%M} ({r.granted_by}){until}")
