"""`hhb household`: create households, record their dated profiles, show them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from hhb.clikit import Context, db_option, user_errors
from ingest.errors import IngestError
from ingest.profile import HouseholdProfile, load_profile, profile_to_dict
from store.db import session_scope
from store.households import audit, create_household, get_household
from store.profiles import profile_history, profile_on, record_profile


@click.group()
def household() -> None:
    """Huishoudens aanmaken en bekijken."""


def _read_profile(path: str) -> tuple[HouseholdProfile, str]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IngestError(path, 0, f"kan het profiel niet lezen ({exc.strerror})") from None
    return load_profile(data, path), Path(path).name


def _parse_day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is geen datum; gebruik jjjj-mm-dd", param_hint=option
        ) from None


@household.command("create")
@click.argument("code")
@click.option(
    "--profile", "profile_path", type=click.Path(dir_okay=False), help="profiel (YAML/JSON)"
)
@click.option(
    "--from",
    "valid_from",
    metavar="JJJJ-MM-DD",
    help="profiel geldt vanaf (standaard: begin deelname)",
)
@db_option
@click.pass_obj
@user_errors
def household_create(
    obj: Context, code: str, profile_path: str | None, valid_from: str | None
) -> None:
    """Maak huishouden CODE aan, eventueel met zijn profiel."""
    profile = source = None
    if profile_path:
        profile, source = _read_profile(profile_path)
    with session_scope(obj.engine()) as session:
        create_household(session, code, obj.actor)
        if profile is not None:
            start = _parse_day(valid_from, "--from") if valid_from else profile.participation.start
            record_profile(session, code, profile, start, obj.actor, source)
    click.echo(f"Huishouden {code} aangemaakt" + (" met profiel." if profile else "."))


@household.command("update")
@click.argument("code")
@click.option("--profile", "profile_path", required=True, type=click.Path(dir_okay=False))
@click.option("--from", "valid_from", required=True, metavar="JJJJ-MM-DD", help="geldt vanaf")
@db_option
@click.pass_obj
@user_errors
def household_update(obj: Context, code: str, profile_path: str, valid_from: str) -> None:
    """Leg een gewijzigde situatie vast vanaf een datum; eerdere versies blijven bewaard."""
    start = _parse_day(valid_from, "--from")
    profile, source = _read_profile(profile_path)
    with session_scope(obj.engine()) as session:
        record_profile(session, code, profile, start, obj.actor, source)
    click.echo(f"Profiel van {code} vastgelegd vanaf {start:%d-%m-%Y}.")


@household.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="als JSON")
@db_option
@click.pass_obj
@user_errors
def household_show(obj: Context, code: str, as_json: bool) -> None:
    """Laat huishouden CODE zien: profiel (met geschiedenis) en rekeningen."""
    with session_scope(obj.engine()) as session:
        h = get_household(session, code)
        history = profile_history(session, code)
        current = profile_on(session, code, dt.date.today())
        info: dict[str, Any] = {
            "code": h.code,
            "created_at": h.created_at.isoformat(),
            "accounts": [{"account": a.identifier, "bank": a.bank} for a in h.accounts],
            "profile": profile_to_dict(current) if current else None,
            "profile_history": [
                {
                    "valid_from": v.valid_from.isoformat(),
                    "recorded_at": v.recorded_at.isoformat(),
                    "recorded_by": v.recorded_by,
                    "source_file": v.source_file,
                    "profile": profile_to_dict(v.profile),
                }
                for v in history
            ],
        }
        audit(session, obj.actor, "household.view", h.id)
    if as_json:
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    click.echo(f"Huishouden {info['code']} (sinds {info['created_at'][:10]})")
    if current is not None:
        click.echo(
            f"  gemeente {current.municipality}, postcode {current.postcode}, "
            f"coach {current.coach}, {len(current.members)} leden"
        )
    for version in history:
        click.echo(
            f"  profiel vanaf {version.valid_from:%d-%m-%Y} "
            f"(vastgelegd {version.recorded_at:%d-%m-%Y} door {version.recorded_by})"
        )
    for account in info["accounts"]:
        click.echo(f"  rekening {account['account']} ({account['bank'] or 'bank onbekend'})")
