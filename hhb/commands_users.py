"""`hhb user`: accounts and roles. Passwords are prompted or read from stdin, never arguments."""

from __future__ import annotations

import sys

import click

from hhb.clikit import Context, db_option, user_errors
from store.db import session_scope
from store.users import Role, add_user, disable_user, list_users, reset_password


@click.group()
def user() -> None:
    """Gebruikers en rollen beheren."""


def _new_password(from_stdin: bool) -> str:
    """Never from the command line (it would show in the process list and shell history)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Herhaal")
    return password


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--household", "household_code", help="voor een deelnemer: zijn huishouden")
@click.option("--gemeente", "municipality", help="voor een gemeente-analist: CBS-code, bv. GM0344")
@click.option("--password-stdin", is_flag=True, help="lees het wachtwoord van standaardinvoer")
@db_option
@click.pass_obj
@user_errors
def user_add(
    obj: Context,
    username: str,
    role: str,
    household_code: str | None,
    municipality: str | None,
    password_stdin: bool,
) -> None:
    """Voeg een gebruiker toe."""
    password = _new_password(password_stdin)
    with session_scope(obj.engine()) as session:
        add_user(
            session, username, Role(role), password, obj.actor,
            household=household_code, municipality=municipality,
        )  # fmt: skip
    click.echo(f"Gebruiker {username} ({role}) toegevoegd.")


@user.command("list")
@db_option
@click.pass_obj
@user_errors
def user_list(obj: Context) -> None:
    """Toon alle gebruikers met hun rol."""
    with session_scope(obj.engine()) as session:
        for u in list_users(session):
            state = f"uitgeschakeld sinds {u.disabled_at:%d-%m-%Y}" if u.disabled_at else "actief"
            click.echo(f"{u.username:<24} {u.role:<17} {state}")


@user.command("disable")
@click.argument("username")
@db_option
@click.pass_obj
@user_errors
def user_disable(obj: Context, username: str) -> None:
    """Schakel een gebruiker uit; inloggen kan dan niet meer."""
    with session_scope(obj.engine()) as session:
        disable_user(session, username, obj.actor)
    click.echo(f"Gebruiker {username} uitgeschakeld.")


@user.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="lees het wachtwoord van standaardinvoer")
@db_option
@click.pass_obj
@user_errors
def user_reset_password(obj: Context, username: str, password_stdin: bool) -> None:
    """Stel een nieuw wachtwoord in."""
    password = _new_password(password_stdin)
    with session_scope(obj.engine()) as session:
        reset_password(session, username, password, obj.actor)
    click.echo(f"Wachtwoord van {username} gewijzigd.")
