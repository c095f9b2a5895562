"""`hhb classify`: every transaction with its ketenpartner, rubriek and the reason; a coach's
correction becomes a rule (``correct``), rules are listed (``rules``) and withdrawn
(``withdraw``). Each command is one call into :mod:`store.classification`; views are audited.
"""

from __future__ import annotations

import json
from typing import Any

import click

from budget.categories import LABELS, RUBRIEKEN, Rubriek
from budget.classify import Rule
from hhb.clikit import Context, db_option, user_errors
from ingest.amounts import format_euro
from store.classification import (
    classified_transactions,
    correct,
    list_rules,
    parse_rubriek,
    withdraw_rule,
)
from store.db import session_scope
from store.households import audit, get_household
from store.transactions import month_bounds

_MATCH_TEXT = {"iban": "IBAN", "naam": "naam", "transactie": "transactie"}


def _rule_line(rule: Rule) -> str:
    state = (
        f"ingetrokken {rule.withdrawn_at:%d-%m-%Y} door {rule.withdrawn_by}"
        if rule.withdrawn_at
        else "actief"
    )
    partner = f", ketenpartner {rule.ketenpartner}" if rule.ketenpartner else ""
    return (
        f"regel {rule.id}: {_MATCH_TEXT[str(rule.match)]} {rule.value} -> {rule.rubriek}{partner}"
        f" (coach {rule.created_by}, {rule.created_at:%d-%m-%Y}; {state})"
    )


def _rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "match": str(rule.match),
        "value": rule.value,
        "rubriek": str(rule.rubriek),
        "ketenpartner": rule.ketenpartner,
        "created_by": rule.created_by,
        "created_at": rule.created_at.isoformat(),
        "withdrawn_at": rule.withdrawn_at.isoformat() if rule.withdrawn_at else None,
        "withdrawn_by": rule.withdrawn_by,
    }


@click.group("classify", invoke_without_command=True)
@click.option("--household", "household_code", help="huishoudcode")
@click.option("--month", metavar="JJJJ-MM", help="alleen deze maand")
@click.option("--json", "as_json", is_flag=True, help="als JSON")
@db_option
@click.pass_context
@user_errors
def classify_cmd(
    ctx: click.Context, household_code: str | None, month: str | None, as_json: bool
) -> None:
    """Toon elke transactie met ketenpartner, rubriek en waarom."""
    if ctx.invoked_subcommand is not None:
        return
    if not household_code:
        raise click.UsageError("geef het huishouden op met --household")
    obj: Context = ctx.ensure_object(Context)
    start = end = None
    if month:
        try:
            start, end = month_bounds(month)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from None
    with session_scope(obj.engine()) as session:
        frame = classified_transactions(session, household_code, start, end)
        audit(
            session,
            obj.actor,
            "classification.view",
            get_household(session, household_code).id,
            month or "alle maanden",
        )
    columns = [
        "tx_key",
        "account",
        "booking_date",
        "amount_cents",
        "counterparty_iban",
        "counterparty_name",
        "description",
        "ketenpartner",
        "rubriek",
        "regeling",
        "rule_id",
        "reason",
    ]
    if as_json:
        rows = frame.select(columns).to_dicts()
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False, default=str))
        return
    for row in frame.select(columns).iter_rows(named=True):
        regeling = f" ({row['regeling']})" if row["regeling"] else ""
        click.echo(
            f"{row['booking_date']:%d-%m-%Y}  {format_euro(row['amount_cents'], sign=True):>14}  "
            f"{row['ketenpartner'][:32]:<32}  {LABELS[Rubriek(row['rubriek'])]}{regeling}"
        )
        click.echo(f"    {row['tx_key']}  waarom: {row['reason']}")
    click.echo(f"{frame.height} transacties")


@classify_cmd.command("correct")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--key", "tx_key", required=True, help="tx_key van de transactie")
@click.option("--rubriek", required=True, help=f"een van: {', '.join(RUBRIEKEN)}")
@click.option("--ketenpartner", help="naam van de ketenpartner (anders blijft die staan)")
@click.option("--only-this", is_flag=True, help="alleen deze transactie, geen regel voor later")
@db_option
@click.pass_obj
@user_errors
def correct_cmd(
    obj: Context,
    household_code: str,
    tx_key: str,
    rubriek: str,
    ketenpartner: str | None,
    only_this: bool,
) -> None:
    """Verbeter een classificatie; dat wordt een regel die ook latere imports volgt."""
    with session_scope(obj.engine()) as session:
        rule = correct(
            session,
            household_code,
            tx_key,
            parse_rubriek(rubriek),
            obj.actor,
            ketenpartner=ketenpartner,
            only_this=only_this,
        )
    click.echo(f"Vastgelegd als {_rule_line(rule)}.")


@classify_cmd.command("rules")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--json", "as_json", is_flag=True, help="als JSON")
@db_option
@click.pass_obj
@user_errors
def rules_cmd(obj: Context, household_code: str, as_json: bool) -> None:
    """Toon de regels van de coach voor dit huishouden (ook ingetrokken regels)."""
    with session_scope(obj.engine()) as session:
        rules = list_rules(session, household_code)
        audit(
            session,
            obj.actor,
            "classification.rules.view",
            get_household(session, household_code).id,
        )
    if as_json:
        click.echo(json.dumps([_rule_dict(r) for r in rules], indent=1, ensure_ascii=False))
        return
    for rule in rules:
        click.echo(_rule_line(rule))
    click.echo(f"{len(rules)} regel(s)")


@classify_cmd.command("withdraw")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.argument("rule_id", type=int)
@db_option
@click.pass_obj
@user_errors
def withdraw_cmd(obj: Context, household_code: str, rule_id: int) -> None:
    """Trek een regel in; hij blijft bewaard met de datum van intrekken."""
    with session_scope(obj.engine()) as session:
        rule = withdraw_rule(session, household_code, rule_id, obj.actor)
    click.echo(f"Ingetrokken: {_rule_line(rule)}.")
