"""`hhb budget`: a household's budget for a month (income, fixed costs, reservations, debt
repayments, leefgeld per month and week) and how the leefgeld compares with the Nibud minimum.

:func:`statements_until` stays importable from here (the month report uses it); it lives in
:mod:`store.statement_dates`, shared with ``hhb signals``."""

from __future__ import annotations

import datetime as dt
import json

import click

from budget.plan_household import NoBudgetData, household_budget
from budget.plan_text import render_text
from hhb.clikit import Context, db_option, user_errors
from ingest.profile import HouseholdProfile
from store.classification import classified_transactions
from store.db import session_scope
from store.households import NotFoundError, audit, get_household
from store.profiles import profile_for_month
from store.statement_dates import statements_until as statements_until
from store.transactions import month_bounds


@click.command("budget")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option(
    "--month",
    metavar="JJJJ-MM",
    help="maand van de begroting (standaard: de laatste volledige maand in de afschriften)",
)
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_obj
@user_errors
def budget_cmd(obj: Context, household_code: str, month: str | None, as_json: bool) -> None:
    """De begroting van een maand: inkomen, vaste lasten, reserveringen, aflossingen en het
    leefgeld per maand en per week, elk bedrag met zijn uitleg, vergeleken met het
    Nibud-minimum."""
    first: dt.date | None = None
    if month is not None:
        try:
            first, _ = month_bounds(month)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from None
    with session_scope(obj.engine()) as session:
        household = get_household(session, household_code)
        # The whole history: the budget itself reads only up to the month's end, but an error
        # for a month without data says where the statements do run.
        classified = classified_transactions(session, household_code)
        until = statements_until(session, household_code)

        def profile(day: dt.date) -> HouseholdProfile | None:
            return profile_for_month(session, household_code, day)

        try:
            budget = household_budget(
                classified, household_code, first, data_until=until, profile=profile
            )
        except NoBudgetData as exc:
            raise NotFoundError(str(exc)) from None
        audit(session, obj.actor, "budget.view", household.id, f"{budget.month:%Y-%m}")
    if as_json:
        click.echo(json.dumps(budget.as_dict(), indent=2, ensure_ascii=False))
        return
    for line in render_text(budget):
        click.echo(line)
