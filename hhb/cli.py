"""The ``hhb`` command. Each command is a thin shell around one domain call; the commands live
in ``hhb/commands_*.py`` and the shared machinery (settings, ``--db``, errors) in
``hhb/clikit.py``."""

from __future__ import annotations

import click

from hhb import i18n
from hhb.clikit import Context, db_option, user_errors
from hhb.commands_access import caseload_group, consent_group
from hhb.commands_budget import classify_cmd
from hhb.commands_calc import calc_cmd
from hhb.commands_entitlements import entitlements_cmd, explain_cmd, whatif_cmd
from hhb.commands_households import household
from hhb.commands_imports import delete_cmd, import_cmd, transactions
from hhb.commands_overview import overview_cmd
from hhb.commands_plan import budget_cmd
from hhb.commands_reports import aggregates_cmd, facts_group, report
from hhb.commands_serve import serve_cmd
from hhb.commands_signals import forecast_cmd, signals_cmd
from hhb.commands_users import user
from hhb.demo.cli import demo
from store.db import migrate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--user", "actor", envvar="HHB_USER", help="wie dit doet (voor het auditlog)")
@db_option
@click.pass_context
def main(ctx: click.Context, actor: str | None) -> None:
    """Huishoudboekje en Virtueel Inkomsten Loket: importeren, overzien, regelingen."""
    obj = ctx.ensure_object(Context)
    if actor:
        obj.actor = actor


@main.command()
@db_option
@click.pass_obj
@user_errors
def init(obj: Context) -> None:
    """Maak de database aan of werk hem bij naar de nieuwste versie."""
    before, after = migrate(obj.engine(migrated=False))
    if before == after:
        click.echo(f"Database is al bij (versie {after}).")
    elif before is None:
        click.echo(f"Database aangemaakt (versie {after}).")
    else:
        click.echo(f"Database bijgewerkt van versie {before} naar {after}.")


for _command in (
    household,
    user,
    import_cmd,
    transactions,
    delete_cmd,
    classify_cmd,
    overview_cmd,
    budget_cmd,
    caseload_group,
    consent_group,
    serve_cmd,
    signals_cmd,
    forecast_cmd,
    aggregates_cmd,
    facts_group,
    report,
    calc_cmd,
    entitlements_cmd,
    explain_cmd,
    whatif_cmd,
    demo,
):
    main.add_command(_command)


def run() -> None:
    """Console entry point: Dutch framework messages, then the command."""
    i18n.activate()
    main(prog_name="hhb")


if __name__ == "__main__":  # pragma: no cover
    run()
