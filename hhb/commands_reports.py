"""`hhb aggregates` (disclosure-controlled figures for the municipality) and `hhb report month`
(the PDF month report for a coach and participant). Thin shells around :mod:`reports`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from hhb.clikit import Context, db_option, user_errors
from reports.aggregates import Level, aggregate
from reports.disclosure import Use, rules_for
from reports.export import ExportError, export_format, write_export
from reports.facts_parallel import default_processes
from reports.facts_snapshot import FACTS_FORMAT, Facts, current, refresh
from reports.month_report import month_report
from store import facts_snapshots
from store.db import session_scope
from store.households import NotFoundError, audit
from store.transactions import month_bounds

_MUNICIPALITY = re.compile(r"^GM\d{4}$")


def _municipality(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    code = value.strip().upper()
    if not _MUNICIPALITY.match(code):
        raise click.BadParameter(f"{value!r} is geen gemeentecode; gebruik GM en 4 cijfers, "
                                 "bijvoorbeeld GM0344")  # fmt: skip
    return code


@click.command("aggregates")
@click.option("--municipality", required=True, callback=_municipality, metavar="GMxxxx",
              help="CBS-gemeentecode, bijvoorbeeld GM0344 (Utrecht)")  # fmt: skip
@click.option("--year", required=True, type=click.IntRange(2000, 2100), metavar="JJJJ")
@click.option("--level", type=click.Choice([str(v) for v in Level]), default="gemeente",
              show_default=True, help="de gemeente als geheel, of per wijk")  # fmt: skip
@click.option("--use", "use", type=click.Choice([str(u) for u in Use]), default="publicatie",
              show_default=True,
              help="publicatie: regels van het CBS (100 per cel, afgerond); intern: minimaal "
                   "10 huishoudens per cel, voor gebruik binnen de gemeente")  # fmt: skip
@click.option(
    "--min-households",
    type=click.IntRange(1),
    default=None,
    help="minimum aantal huishoudens per cel (standaard 10 intern, 100 publicatie)",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.csv of FILE.parquet; de metadata komt ook in FILE.meta.json")  # fmt: skip
@db_option
@click.pass_obj
@user_errors
def aggregates_cmd(obj: Context, municipality: str, year: int, level: str, use: str,
                   min_households: int | None, out: Path) -> None:  # fmt: skip
    """Geaggregeerde cijfers voor de gemeente, alleen na onthullingscontrole: nooit een rij
    over één huishouden, nooit een naam, IBAN of huishoudcode."""
    try:
        export_format(out)
    except ExportError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None
    overrides = {}
    floor = rules_for(use).min_households
    if min_households is not None and min_households < floor:
        raise click.BadParameter(
            f"minder dan {floor} huishoudens per cel is niet toegestaan bij --use {use}; "
            "alleen strenger mag",
            param_hint="--min-households",
        )
    if min_households is not None:
        overrides = {"min_households": min_households, "min_observations": min_households,
                     "min_denominator": min_households}  # fmt: skip
    rules = rules_for(use, **overrides)
    with session_scope(obj.engine()) as session:
        found = current(session, municipality, year, obj.actor)
        facts = found.facts
        if facts.frame.height == 0:
            raise NotFoundError(f"geen huishoudens in gemeente {municipality} in {year}")
        result = aggregate(facts, municipality, year, Level(level), rules)
        audit(session, obj.actor, "aggregates.export", None,
              f"{municipality} {year} {level} {use}: {facts.frame.height} huishoudens, "
              f"{result.frame.height} rijen naar {out.name}")  # fmt: skip
    try:
        written, meta = write_export(result, out)
    except (ExportError, OSError) as exc:
        raise click.ClickException(f"{out}: kan niet schrijven ({exc})") from None
    hidden = result.metadata["onderdrukte_cellen"]
    assert isinstance(hidden, list)
    click.echo(f"{written}: {result.frame.height} rijen uit {facts.frame.height} huishoudens "
               f"({level}, {use}); {len(hidden)} cellen onderdrukt, reden per rij")  # fmt: skip
    click.echo(f"Metadata: {meta}")
    click.echo(_facts_line(found))
    left_out = result.metadata["niet_beschikbaar"]
    assert isinstance(left_out, list)
    for item in left_out:
        click.echo(f"Niet opgenomen: {item['tabel']} ({item['reden']})")


def _when(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%d-%m-%Y %H:%M")


def _facts_line(found: Facts) -> str:
    """Where the household facts came from: a batch run, when, and how long it took."""
    return (f"Feiten (leefgeld, signalen, regelingen) van {found.facts.frame.height} huishoudens "
            f"berekend op {_when(found.computed_at)} in {found.seconds:.1f} s")  # fmt: skip


@click.group("facts")
def facts_group() -> None:
    """De feiten per huishouden waaruit de geaggregeerde cijfers komen: in één batch berekend
    en bewaard, zodat de analistenpagina ze niet bij elke klik opnieuw berekent."""


@facts_group.command("refresh")
@click.option("--year", "years", type=click.IntRange(2000, 2100), metavar="JJJJ", multiple=True,
              help="jaar (herhaalbaar); standaard elk jaar met transacties")  # fmt: skip
@click.option("--municipality", "municipalities", multiple=True, metavar="GMxxxx",
              callback=lambda c, p, v: tuple(_municipality(c, p, x) for x in v),
              help="gemeente (herhaalbaar); standaard elke gemeente met huishoudens")  # fmt: skip
@click.option("--processes", type=click.IntRange(1, 64), default=default_processes,
              show_default="2, of 1 op een machine met één kern", metavar="N",
              help="rekenprocessen over de huishoudens; 1: alles in dit proces")  # fmt: skip
@db_option
@click.pass_obj
@user_errors
def facts_refresh_cmd(obj: Context, years: tuple[int, ...],
                      municipalities: tuple[str, ...], processes: int) -> None:  # fmt: skip
    """Bereken de feiten opnieuw (bijvoorbeeld elke nacht, of na een importronde)."""
    with session_scope(obj.engine()) as session:
        chosen = list(years) or facts_snapshots.data_years(session)
        if not chosen:
            raise NotFoundError("er zijn nog geen transacties; importeer eerst afschriften")
        for year in chosen:
            made = refresh(session, year, obj.actor, municipalities or None, processes=processes)
            for municipality, found in sorted(made.items()):
                click.echo(f"{municipality} {year}: {found.facts.frame.height} huishoudens, "
                           f"{found.seconds:.1f} s")  # fmt: skip
            missing = sorted(set(municipalities) - set(made))
            for municipality in missing:
                click.echo(f"{municipality} {year}: geen huishoudens")


@facts_group.command("status")
@db_option
@click.pass_obj
@user_errors
def facts_status_cmd(obj: Context) -> None:
    """Welke feiten bewaard zijn, van wanneer, en of de gegevens sindsdien veranderden."""
    with session_scope(obj.engine()) as session:
        rows = facts_snapshots.snapshots(session)
        version = facts_snapshots.inputs_version(session, FACTS_FORMAT)
    if not rows:
        click.echo("Nog geen feiten bewaard; draai hhb facts refresh.")
    for municipality, year, made_from, households, created in rows:
        state = "actueel" if made_from == version else "verouderd: de gegevens zijn veranderd"
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        click.echo(f"{municipality} {year}: {households} huishoudens, berekend op "
                   f"{_when(created)} ({state})")  # fmt: skip


@click.group("report")
def report() -> None:
    """Rapporten als PDF."""


@report.command("month")
@click.option("--household", "household_code", required=True, help="huishoudcode")
@click.option("--month", required=True, metavar="JJJJ-MM", help="de maand van het gesprek")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="het PDF-bestand")  # fmt: skip
@db_option
@click.pass_obj
@user_errors
def month_cmd(obj: Context, household_code: str, month: str, out: Path) -> None:
    """Het maandoverzicht als PDF voor het gesprek tussen coach en deelnemer: de drie maanden
    tot en met MAAND per ketenpartner, het leefgeld (zoals hhb budget --month), de signalen
    (zoals hhb signals --month), de regelingen van het jaar (zoals hhb entitlements: gemist,
    verwachte terugbetalingen, bufferperiodes en de maand per regeling), en grafieken van geld
    in en uit, het saldo en het verwachte saldo."""
    try:
        first, _ = month_bounds(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if out.suffix.lower() != ".pdf":
        raise click.BadParameter(f"{out}: gebruik een naam op .pdf", param_hint="--out")
    if not out.parent.exists():
        raise click.BadParameter(f"{out.parent}: map bestaat niet", param_hint="--out")
    now = dt.datetime.now().astimezone()
    with session_scope(obj.engine()) as session:
        pdf = month_report(session, household_code, first, obj.actor, now)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise click.ClickException(f"{out}: kan niet schrijven ({exc})") from None
    click.echo(f"{out}: maandoverzicht {month} van huishouden {household_code}")
