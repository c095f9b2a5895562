"""`hhb entitlements`, `hhb explain`, `hhb whatif`: the Virtueel Inkomsten Loket per household.

Each command reads one household from the store (profile per month, income, received money,
toeslag decisions, balance forecast), makes one call into :mod:`entitlement.loket` or
:mod:`entitlement.whatif`, audits the view, and prints Dutch text or JSON (amounts in cents).
"""

from __future__ import annotations

import datetime as dt
import json

import click
import polars as pl

from entitlement.household import input_frame, load_household
from entitlement.loket import household_outcomes
from entitlement.outcome_text import outcome_lines, outcomes_dict, whatif_dict, whatif_lines
from entitlement.outlook import (
    outlook_of,
    parse_change,
)
from entitlement.rules.engine import evaluate
from entitlement.rules.explain import explain
from entitlement.rules.inputs import MONTH_COLUMN
from entitlement.rules.registry import default_rules
from entitlement.rules.render import render_text
from entitlement.whatif import IncomeChange, WhatIfError, whatif
from hhb.clikit import Context, db_option, user_errors
from ingest.amounts import format_euro
from store.db import session_scope
from store.households import audit, get_household
from store.transactions import month_bounds


def _month(value: str, option: str) -> dt.date:
    try:
        first, _ = month_bounds(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None
    return first


@click.command("entitlements")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="jaar (JJJJ)")
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_obj
@user_errors
def entitlements_cmd(obj: Context, household_code: str, year: int, as_json: bool) -> None:
    """Regelingen van een huishouden per maand: recht, verwacht en ontvangen bedrag, gemiste
    regelingen, verwachte terugbetalingen en bufferperiodes."""
    with session_scope(obj.engine()) as session:
        household = get_household(session, household_code)
        data = load_household(session, household_code, year)
        outlook = outlook_of(session, data)
        audit(session, obj.actor, "entitlements.view", household.id, str(year))
    outcomes = household_outcomes(data, default_rules(), outlook=outlook)
    if as_json:
        click.echo(json.dumps(outcomes_dict(outcomes), indent=1, ensure_ascii=False))
        return
    for line in outcome_lines(outcomes):
        click.echo(line)


@click.command("explain")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--regeling", required=True, help="regeling (zie hhb calc --list)")
@click.option("--month", required=True, metavar="JJJJ-MM", help="maand")
@db_option
@click.pass_obj
@user_errors
def explain_cmd(obj: Context, household_code: str, regeling: str, month: str) -> None:
    """De volledige afleiding van één regeling in één maand: elke stap met bedragen, de
    parameters met bron en status, en de gegevens van het huishouden."""
    first = _month(month, "--month")
    rules = default_rules()
    if regeling not in rules:
        raise click.BadParameter(
            f"onbekende regeling {regeling!r}; kies uit {', '.join(sorted(rules))}",
            param_hint="--regeling",
        )
    with session_scope(obj.engine()) as session:
        household = get_household(session, household_code)
        data = load_household(session, household_code, first.year)
        audit(session, obj.actor, "entitlements.explain", household.id, f"{regeling} {month}")
    frame, proj = input_frame(data)
    evaluated = evaluate(frame, rules)
    row = evaluated.filter(pl.col(MONTH_COLUMN) == first).row(0, named=True)
    for line in render_text(explain(rules, row, regeling)):
        click.echo(line)
    outcomes = household_outcomes(data, rules)
    mine = outcomes.months.filter(
        (pl.col("regeling") == regeling) & (pl.col("month") == first)
    ).row(0, named=True)
    click.echo("")
    click.echo("Herkomst van de inkomensgegevens:")
    click.echo(f"  {proj.get('explanation')}")
    if row.get("toetsingsinkomen_is_schatting"):
        click.echo("  Het toetsingsinkomen is een schatting.")
    net = row.get("netto_inkomen_maand_cents")
    if net is None:
        click.echo("  Netto inkomen deze maand: onbekend (geen afschriften over deze maand).")
    else:
        how = (
            "schatting: mediaan van de laatste maanden met afschriften"
            if row.get("netto_is_schatting")
            else "uit de afschriften, zonder bijstand en onbelaste regelingen"
        )
        click.echo(f"  Netto inkomen deze maand: {format_euro(int(net))} ({how}).")
    click.echo("")
    click.echo(
        f"Betaling: {mine['status']} (periode {mine['unit']}: verwacht "
        f"{format_euro(mine['unit_expected_cents'])}, ontvangen "
        f"{format_euro(mine['unit_received_cents'])})."
    )


@click.command("whatif")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--from", "from_month", required=True, metavar="JJJJ-MM", help="vanaf deze maand")
@click.option(
    "--income-change",
    required=True,
    metavar="±EUR_PER_MAAND",
    help="verandering van het netto inkomen per maand, bv. +1000 of -250",
)
@click.option("--gross", is_flag=True, help="de verandering is bruto in plaats van netto")
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_obj
@user_errors
def whatif_cmd(
    obj: Context, household_code: str, from_month: str, income_change: str, gross: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Wat als het inkomen vanaf een maand verandert (nieuwe baan, minder uren, uitkering
    stopt): de regelingen van dat jaar nu en dan, met het verschil per regeling."""
    first = _month(from_month, "--from")
    cents = parse_change(income_change)
    with session_scope(obj.engine()) as session:
        household = get_household(session, household_code)
        data = load_household(session, household_code, first.year)
        outlook = outlook_of(session, data)
        audit(
            session, obj.actor, "entitlements.whatif", household.id,
            f"vanaf {from_month}: {format_euro(cents, sign=True)}{' bruto' if gross else ''}",
        )  # fmt: skip
    try:
        result = whatif(data, IncomeChange(first, cents, gross), default_rules(), outlook=outlook)
    except WhatIfError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(whatif_dict(result), indent=1, ensure_ascii=False))
        return
    for line in whatif_lines(result):
        click.echo(line)
