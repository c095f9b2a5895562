"""`hhb overview`: the month overview (ketenpartner x month) a coach reads with a participant."""

from __future__ import annotations

import datetime as dt
import json

import click

from budget.overview import month_overview, render_text
from hhb.clikit import Context, db_option, user_errors
from store.classification import classified_transactions
from store.db import session_scope
from store.households import audit, get_household
from store.transactions import balance_at_start, month_bounds


def _months(first: str, last: str) -> tuple[dt.date, ...]:
    try:
        start, _ = month_bounds(first)
        end, _ = month_bounds(last)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if end < start:
        raise click.BadParameter("--to ligt voor --from")
    months = [start]
    while months[-1] < end:
        months.append((months[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1))
    if len(months) > 36:
        raise click.BadParameter("hoogstens 36 maanden tegelijk")
    return tuple(months)


@click.command("overview")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--from", "first", required=True, metavar="JJJJ-MM", help="eerste maand")
@click.option("--to", "last", required=True, metavar="JJJJ-MM", help="laatste maand")
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_obj
@user_errors
def overview_cmd(obj: Context, household_code: str, first: str, last: str, as_json: bool) -> None:
    """Het maandoverzicht: per ketenpartner de betalingen per maand, met saldo begin, balans
    en saldo eind."""
    months = _months(first, last)
    end = month_bounds(f"{months[-1]:%Y-%m}")[1]
    with session_scope(obj.engine()) as session:
        classified = classified_transactions(session, household_code, months[0], end)
        opening = balance_at_start(session, household_code, months[0])
        household = get_household(session, household_code)
        audit(session, obj.actor, "overview.view", household.id, f"{first} t/m {last}")
    overview = month_overview(household_code, classified, months, opening)
    if as_json:
        click.echo(json.dumps(overview.as_dict(), indent=2, ensure_ascii=False))
        return
    for line in render_text(overview):
        click.echo(line)
