"""`hhb signals` (open signals of a household), `hhb signals settings` (the coach's margins) and
`hhb forecast` (twelve months of expected balance with its band). Each view and each change is
audited; the work is one call into :mod:`hhb.signals_view` and :mod:`store.signal_settings`."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from hhb.clikit import Context, db_option, user_errors
from hhb.signals_view import (
    forecast_lines,
    load_inputs,
    margin_lines,
    run,
    signal_lines,
)
from store.db import session_scope
from store.households import audit, get_household
from store.signal_settings import (
    InvalidSettingError,
    SignalSettingsView,
    get_settings,
    reset_settings,
    set_settings,
)
from store.transactions import month_bounds

_EURO = re.compile(r"^-?\d+(\.\d{3})*(,\d{1,2})?$|^-?\d+(\.\d{1,2})?$")


def parse_euro(text: str, option: str) -> int:
    """``2,50``, ``2.50``, ``1.200``, ``1.200,00``, ``-50`` or ``€ 5`` → cents."""
    clean = text.replace("€", "").replace(" ", "").strip()
    if not _EURO.match(clean):
        raise click.BadParameter(
            f"{text!r} is geen bedrag; schrijf bijvoorbeeld 2,50 of 1.200", param_hint=option
        )
    if "," in clean or re.search(r"\.\d{3}$", clean):
        clean = clean.replace(".", "").replace(",", ".")
    try:
        cents = Decimal(clean) * 100
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise click.BadParameter(f"{text!r} is geen bedrag", param_hint=option) from None
    return int(cents)


def _month(month: str | None) -> str | None:
    if month is not None:
        try:
            month_bounds(month)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from None
    return month


def _margins_dict(settings: SignalSettingsView) -> dict[str, Any]:
    return {
        **settings.margins.as_dict(),
        "custom": sorted(settings.custom),
        "updated_at": settings.updated_at.isoformat() if settings.updated_at else None,
        "updated_by": settings.updated_by,
    }


@click.group("signals", invoke_without_command=True)
@click.option("--household", "household_code", help="huishoudcode")
@click.option("--month", metavar="JJJJ-MM", help="deze maand, zoals aan het eind ervan")
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_context
@user_errors
def signals_cmd(
    ctx: click.Context, household_code: str | None, month: str | None, as_json: bool
) -> None:
    """De open signalen van een huishouden: ontbrekende of afwijkende betalingen, dubbele
    afschrijvingen, te laag saldo, gedaald inkomen, gestopte vaste lasten en de prognose."""
    if ctx.invoked_subcommand is not None:
        return
    if not household_code:
        raise click.UsageError("geef het huishouden op met --household")
    obj: Context = ctx.ensure_object(Context)
    month = _month(month)
    with session_scope(obj.engine()) as session:
        inputs = load_inputs(session, household_code, month)
        household = get_household(session, household_code)
        audit(session, obj.actor, "signals.view", household.id, month or "open signalen")
    _, signals = run(inputs)
    if as_json:
        out = {
            "household": inputs.code,
            "since": inputs.since.isoformat(),
            "as_of": inputs.as_of.isoformat(),
            "margins": _margins_dict(inputs.settings),
            "signals": [s.as_dict() for s in signals],
        }
        click.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    for line in signal_lines(inputs, signals):
        click.echo(line)
    click.echo("Marges:")
    for line in margin_lines(inputs.settings):
        click.echo(line)


@signals_cmd.command("settings")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--amount-pct", type=int, help="bedragmarge in procenten")
@click.option("--amount-eur", help="bedragmarge in euro (bijv. 2,50)")
@click.option("--days", type=int, help="datummarge in dagen")
@click.option("--income-drop-pct", type=int, help="signaal bij inkomensdaling van meer dan N %")
@click.option("--floor-eur", help="ondergrens saldo in euro (bijv. 0 of -50)")
@click.option("--buffer-eur", help="gewenste buffer in euro (bijv. 1.200)")
@click.option("--reset", is_flag=True, help="eerst alle marges terug naar de standaard")
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_obj
@user_errors
def settings_cmd(
    obj: Context,
    household_code: str,
    amount_pct: int | None,
    amount_eur: str | None,
    days: int | None,
    income_drop_pct: int | None,
    floor_eur: str | None,
    buffer_eur: str | None,
    reset: bool,
    as_json: bool,
) -> None:
    """Toon of wijzig de marges van de signalen voor een huishouden."""
    values: dict[str, int] = {}
    for field, number in (
        ("amount_tolerance_pct", amount_pct),
        ("date_tolerance_days", days),
        ("income_drop_pct", income_drop_pct),
    ):
        if number is not None:
            values[field] = number
    for field, text, option in (
        ("amount_tolerance_cents", amount_eur, "--amount-eur"),
        ("balance_floor_cents", floor_eur, "--floor-eur"),
        ("buffer_target_cents", buffer_eur, "--buffer-eur"),
    ):
        if text is not None:
            values[field] = parse_euro(text, option)
    with session_scope(obj.engine()) as session:
        try:
            if reset:
                reset_settings(session, household_code, obj.actor)
            if values:
                set_settings(session, household_code, obj.actor, **values)
        except InvalidSettingError as exc:
            raise click.BadParameter(str(exc)) from None
        settings = get_settings(session, household_code)
        if not reset and not values:
            household = get_household(session, household_code)
            audit(session, obj.actor, "signal_settings.view", household.id)
    if as_json:
        click.echo(json.dumps({"household": household_code, **_margins_dict(settings)}, indent=1))
        return
    click.echo(f"Marges voor de signalen van {household_code}:")
    for line in margin_lines(settings):
        click.echo(line)


@click.command("forecast")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option(
    "--months",
    type=click.IntRange(1, 36),
    default=12,
    show_default=True,
    help="aantal maanden vooruit",
)
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@db_option
@click.pass_obj
@user_errors
def forecast_cmd(obj: Context, household_code: str, months: int, as_json: bool) -> None:
    """Het verwachte saldo per maand met een onzekerheidsband, en waar het uit bestaat."""
    with session_scope(obj.engine()) as session:
        inputs = load_inputs(session, household_code)
        household = get_household(session, household_code)
        audit(session, obj.actor, "forecast.view", household.id, f"{months} maanden")
    fc, _ = run(inputs, months)
    if as_json:
        summary = fc.summary.row(0, named=True)
        contributions = fc.contributions.drop("household")
        out = {
            **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in summary.items()},
            "months": [
                {
                    **{
                        k: (v.isoformat() if hasattr(v, "isoformat") else v)
                        for k, v in row.items()
                        if k != "household"
                    },
                    "contributions": [
                        {k: v for k, v in c.items() if k != "month"}
                        for c in contributions.filter(
                            contributions["month"] == row["month"]
                        ).iter_rows(named=True)
                    ],
                }
                for row in fc.months.iter_rows(named=True)
            ],
        }
        click.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    for line in forecast_lines(inputs, fc):
        click.echo(line)
