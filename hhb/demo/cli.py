"""``hhb demo``: a fresh demo database to look around in, and ``hhb demo generate`` for files.

The lead command adds this group with ``main.add_command(demo)``. ``hhb demo`` without a
subcommand is the README's main job: it rebuilds ``<data dir>/demo.sqlite3`` from scratch. It
must never destroy real data, so it deletes a database only when a marker file written by an
earlier ``hhb demo`` sits beside it *and* every household in it has a ``DEMO-`` code; anything
else is refused with a message.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.engine import Engine, make_url

from hhb.demo.bulk import write_bulk
from hhb.demo.catalog import MONTHS_NL
from hhb.demo.dates import add_months, parse_month
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.model import Pattern
from hhb.demo.seed import SEED_CODE
from hhb.demo.users import DemoLogin, create_demo_users
from hhb.demo.world import DEFAULT_START, generate_household
from hhb.settings import Settings, sqlite_url
from reports.facts_snapshot import refresh
from store.db import make_engine, migrate, session_scope
from store.facts_snapshots import data_years

MARKER_SUFFIX = ".hhb-demo"
DIR_MARKER = ".hhb-demo"
DEMO_HOUSEHOLDS, DEMO_MONTHS, DEMO_SEED = 36, 12, 1
SHOWCASE = (Pattern.SALARY_4W, Pattern.PARTTIME_TOPUP, Pattern.FLEX, Pattern.INCOME_DROP,
            Pattern.CLAWBACK_RISK, Pattern.MISSING_TOESLAG, Pattern.ENERGY_EXTRA)  # fmt: skip


class DemoRefused(click.ClickException):
    """The target is not a demo database or folder; nothing was touched."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    database: Path
    files: Path
    households: int
    transactions: int
    bank_files: int
    warnings: tuple[str, ...]
    examples: dict[Pattern, str]
    logins: tuple[DemoLogin, ...] = ()
    facts: tuple[str, ...] = ()
    """One line per kept facts snapshot (municipality, year, households) for the analyst."""


def demo_database(settings: Settings) -> Path:
    """``<data dir>/demo.sqlite3`` unless another SQLite database was configured explicitly."""
    if settings.database_url == sqlite_url(settings.data_dir / "hhb.sqlite3"):
        return settings.data_dir / "demo.sqlite3"
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise DemoRefused(
            "hhb demo maakt alleen een SQLite-demodatabase; de ingestelde database "
            "(HHB_DATABASE_URL of --db) wordt niet aangeraakt. Laat die instelling weg of geef "
            "met --db een pad naar een nieuw SQLite-bestand."
        )
    return Path(url.database)


def _clear_database(path: Path) -> None:
    marker = path.with_name(path.name + MARKER_SUFFIX)
    if not path.exists():
        return
    if not marker.exists():
        raise DemoRefused(
            f"{path} bestaat al en is geen demodatabase (gemaakt door 'hhb demo'); hij wordt "
            "niet overschreven. Kies met --db een ander bestand of verplaats dit bestand zelf."
        )
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            codes = [r[0] for r in con.execute("SELECT code FROM households")]
    except sqlite3.Error:
        codes = ["?"]
    if any(not c.startswith("DEMO-") for c in codes):
        raise DemoRefused(
            f"{path} bevat huishoudens die niet uit de demo komen; hij wordt niet overschreven."
        )
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _clear_folder(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DIR_MARKER).exists():
            raise DemoRefused(f"{folder} bestaat al en is geen demomap; hij wordt niet geleegd.")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DIR_MARKER).write_text("gemaakt door 'hhb demo'; mag weg\n", encoding="utf-8")


def run_demo(settings: Settings, *, households: int = DEMO_HOUSEHOLDS, months: int = DEMO_MONTHS,
             seed: int = DEMO_SEED, first: dt.date = DEFAULT_START, actor: str = "demo",
             echo: Callable[[str], None] = click.echo) -> DemoResult:  # fmt: skip
    """Build a fresh demo database with demo households and their imported bank files."""
    database = demo_database(settings)
    files = settings.data_dir / "demo-files"
    _clear_database(database)
    _clear_folder(files)
    database.parent.mkdir(parents=True, exist_ok=True)
    database.with_name(database.name + MARKER_SUFFIX).write_text(
        "gemaakt door 'hhb demo': fictieve gegevens, mag overschreven worden\n", encoding="utf-8"
    )
    engine = make_engine(sqlite_url(database))
    try:
        migrate(engine)
        world = write_world(files, households=households, months=months, seed=seed, first=first)
        loaded = load_world(engine, files, world.codes, actor)
        logins = create_demo_users(engine, actor)
        facts = _keep_facts(engine, actor)
    finally:
        engine.dispose()
    examples: dict[Pattern, str] = {}
    for index in range(1, households):
        found = generate_household(seed, index, first, months).patterns
        for pattern in SHOWCASE:
            if pattern in found:
                examples.setdefault(pattern, world.codes[index])
    result = DemoResult(database, files, loaded.households, loaded.transactions, loaded.files,
                        loaded.warnings, examples, tuple(logins), facts)  # fmt: skip
    _report(result, first, months, echo)
    return result


def _keep_facts(engine: Engine, actor: str) -> tuple[str, ...]:
    """The analysts' facts of every year, computed once as the nightly batch would, so the
    analyst page opens on current figures."""
    lines: list[str] = []
    with session_scope(engine) as session:
        for year in data_years(session):
            for gm, found in sorted(refresh(session, year, actor).items()):
                lines.append(f"{gm} {year}: {found.facts.frame.height} huishoudens")
    return tuple(lines)


def _report(r: DemoResult, first: dt.date, months: int, echo: Callable[[str], None]) -> None:
    last = add_months(first, months - 1)
    start, end = MONTHS_NL[first.month - 1], MONTHS_NL[last.month - 1]
    period = f"{start} {first.year} t/m {end} {last.year}"
    db = f"--db {r.database}"
    echo("Demo klaargezet (alle gegevens zijn verzonnen).")
    echo(f"  database:  {r.database}")
    echo(f"  bestanden: {r.files} (bankafschriften, profielen, uitkeringsgegevens, ledger.csv)")
    echo(f"  {r.households} huishoudens, {period}: {r.transactions} transacties uit "
         f"{r.bank_files} bankbestanden geïmporteerd")  # fmt: skip
    echo(f"  {SEED_CODE}: de deelnemer uit 'Dagelijks leven van een deelnemer'; de eerste drie "
         "maanden kloppen tot op de cent met die tabel")  # fmt: skip
    by_code: dict[str, list[str]] = {}
    for pattern, code in r.examples.items():
        by_code.setdefault(code, []).append(str(pattern))
    for code, patterns in by_code.items():
        echo(f"  {code}: {', '.join(patterns)}")
    if r.warnings:
        echo(f"  let op: {len(r.warnings)} waarschuwingen bij het importeren, bijvoorbeeld:")
        for warning in r.warnings[:3]:
            echo(f"    {warning}")
    if r.facts:
        echo(f"  feiten voor de analist berekend (hhb facts refresh): {'; '.join(r.facts)}")
    echo("Gebruikers (één van elke rol; de wachtwoorden zijn nieuw bij elke 'hhb demo'):")
    for login in r.logins:
        echo(f"  {login.username:<10} {login.role:<17} {login.password:<26} {login.scope}")
    echo("Bekijken:")
    third = add_months(first, min(2, months - 1))
    echo(f"  hhb {db} overview --household {SEED_CODE} --from {first:%Y-%m} --to {third:%Y-%m}")
    echo(f"  hhb {db} household show {SEED_CODE}")
    echo(f"  hhb {db} transactions --household {SEED_CODE} --month {first:%Y-%m}")
    if r.examples:
        code = next(iter(r.examples.values()))
        echo(f"  hhb {db} transactions --household {code} --month {last:%Y-%m}")
    echo("Profielen en uitkeringsgegevens zijn ook ingelezen (zie 'household show'). Het "
         f"dashboard: 'hhb {db} serve', inloggen met een van de gebruikers hierboven.")  # fmt: skip


@click.group("demo", invoke_without_command=True)
@click.option(
    "--households",
    type=click.IntRange(1, 10_000),
    default=DEMO_HOUSEHOLDS,
    show_default=True,
    help="aantal huishoudens",
)
@click.option("--months", type=click.IntRange(1, 60), default=DEMO_MONTHS, show_default=True)
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True)
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="start daarna het dashboard op de demodatabase")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True,
              help="poort van het dashboard")  # fmt: skip
@click.pass_context
def demo(ctx: click.Context, households: int, months: int, seed: int, serve: bool,
         port: int) -> None:  # fmt: skip
    """Zet een verse demodatabase klaar met verzonnen huishoudens (of: maak demobestanden),
    en start het dashboard erop (tenzij --no-serve)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = getattr(ctx.obj, "settings", None) or Settings.from_env()
    actor = getattr(ctx.obj, "actor", None) or "demo"
    result = run_demo(settings, households=households, months=months, seed=seed, actor=actor)
    # The dashboard's part: coaches get their households with consent, then it is served.
    from hhb.commands_serve import serve_dashboard
    from hhb.demo.access import link_demo_access

    engine = make_engine(sqlite_url(result.database))
    try:
        link_demo_access(engine, actor)
    finally:
        engine.dispose()
    if serve:
        serve_dashboard(settings.with_database(str(result.database)), port=port)


@demo.command("generate")
@click.option("--households", type=click.IntRange(1), required=True, help="aantal huishoudens")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True)
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--start", default=f"{DEFAULT_START:%Y-%m}", show_default=True, help="jjjj-mm")
@click.option("--workers", type=click.IntRange(1), help="processen (standaard: alle kernen)")
@click.option("--parquet", is_flag=True,
              help="schrijf geen bankbestanden maar de transactietabel zoals de import die "
                   "opslaat (Parquet), voor benchmarks met veel huishoudens")  # fmt: skip
def generate(households: int, months: int, seed: int, out: Path, start: str,
             workers: int | None, parquet: bool) -> None:  # fmt: skip
    """Schrijf bankbestanden, profielen en uitkeringsgegevens van verzonnen huishoudens.

    Met --parquet komen er in plaats van bankbestanden tabellen: OUT/transactions/*.parquet,
    OUT/benefits/, OUT/profiles.jsonl en OUT/ledger.csv (zie hhb.demo.bulk).
    """
    try:
        first = parse_month(start)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--start") from None
    if parquet:
        bulk = write_bulk(out, households=households, months=months, seed=seed, first=first,
                          workers=workers)  # fmt: skip
        rate = round(bulk.transactions / bulk.seconds) if bulk.seconds else 0
        click.echo(f"{bulk.households} huishoudens, {bulk.transactions} transacties in "
                   f"{bulk.parts} Parquet-delen geschreven naar {out / 'transactions'} "
                   f"({bulk.seconds:.1f} s, {rate} transacties/s)")  # fmt: skip
        click.echo(f"Controle per rekening en maand: {out / 'ledger.csv'}")
        return
    summary = write_world(out, households=households, months=months, seed=seed, first=first,
                          workers=workers)  # fmt: skip
    rate = round(summary.transactions / summary.seconds) if summary.seconds else 0
    click.echo(f"{summary.households} huishoudens, {summary.transactions} transacties in "
               f"{summary.files} bankbestanden geschreven naar {out} "
               f"({summary.seconds:.1f} s, {rate} transacties/s)")  # fmt: skip
    click.echo(f"Controle per rekening en maand: {out / 'ledger.csv'}")
