"""The ``hhb`` command. Each command is a thin shell around one domain call.

Every error a user can cause ends as one line ``hhb: FILE:LINE: what is wrong and what to do``
with a non-zero exit code; an unexpected failure says so in one line and leaves the traceback in
``<data dir>/hhb-error.log``, never on the terminal.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from hhb import i18n
from hhb.settings import Settings
from ingest.amounts import format_euro
from ingest.errors import IngestError
from ingest.profile import HouseholdProfile, load_profile, profile_to_dict
from store.db import DatabaseError, make_engine, migrate, require_current, session_scope
from store.households import (
    ConflictError,
    NotFoundError,
    audit,
    create_household,
    get_household,
)
from store.import_log import ImportSummary
from store.importing import import_bytes
from store.profiles import profile_history, profile_on, record_profile
from store.transactions import delete_transaction, month_bounds, transactions_frame

F = TypeVar("F", bound=Callable[..., Any])

EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class Context:
    """What every command shares: settings (after ``--db``), the acting user, one engine."""

    def __init__(self, settings: Settings | None = None, actor: str | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.actor = actor or _os_user()
        self._engine: Engine | None = None

    def engine(self, *, migrated: bool = True) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        if migrated:
            require_current(self._engine)
        return self._engine


def db_option(func: F) -> F:
    """``--db`` on every command (also accepted before the command name)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value:
            obj: Context = ctx.ensure_object(Context)
            obj.settings = obj.settings.with_database(value)

    return click.option(
        "--db",
        metavar="URL|PATH",
        expose_value=False,
        callback=remember,
        help="database-URL of pad naar een SQLite-bestand (anders HHB_DATABASE_URL)",
    )(func)


def user_errors(func: F) -> F:
    """Turn every expected failure into one line and an exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except IngestError as exc:
            _fail(str(exc), EXIT_DATA)
        except (NotFoundError, ConflictError, DatabaseError) as exc:
            _fail(str(exc), EXIT_DATA)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception:
            ctx = click.get_current_context()
            obj: Context = ctx.ensure_object(Context)
            log = obj.settings.data_dir / "hhb-error.log"
            try:
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("a", encoding="utf-8") as fh:
                    fh.write(f"--- {dt.datetime.now().isoformat()} {' '.join(sys.argv)}\n")
                    fh.write(traceback.format_exc())
                where = f"; details staan in {log}"
            except OSError:
                where = ""
            _fail(f"interne fout{where}. Meld dit bij de beheerder.", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, code: int) -> None:
    click.echo(f"hhb: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--user", "actor", envvar="HHB_USER", help="wie dit doet (voor het auditlog)")
@db_option
@click.pass_context
def main(ctx: click.Context, actor: str | None) -> None:
    """Huishoudboekje en Virtueel Inkomsten Loket: importeren, overzien, regelingen."""
    obj = ctx.ensure_object(Context)
    if actor:
        obj.actor = actor


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "onbekend"


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


@main.group()
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


@main.command("import")
@click.option("--household", "household_code", required=True, help="code van het huishouden")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="samenvatting als JSON")
@click.option(
    "--all-or-nothing",
    is_flag=True,
    help="alle bestanden samen: bij één fout wordt niets opgeslagen",
)
@db_option
@click.pass_obj
@user_errors
def import_cmd(
    obj: Context, household_code: str, files: Sequence[str], as_json: bool, all_or_nothing: bool
) -> None:
    """Importeer bankafschriften (MT940, CAMT.053, OFX, CSV) voor een huishouden.

    Elk bestand wordt helemaal of niet opgeslagen; dubbele transacties worden overgeslagen.
    """
    engine = obj.engine()
    summaries: list[ImportSummary] = []
    failures: list[str] = []
    show_progress = not as_json and len(files) > 1 and sys.stderr.isatty()

    def read(path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise IngestError(path, 0, f"kan het bestand niet lezen ({exc.strerror})") from None

    with click.progressbar(
        files, label="Importeren", file=sys.stderr, hidden=not show_progress
    ) as bar:
        if all_or_nothing:
            with session_scope(engine) as session:
                for path in bar:
                    summaries.append(
                        import_bytes(session, household_code, read(path), path, obj.actor)
                    )
        else:
            for path in bar:
                try:
                    with session_scope(engine) as session:
                        summaries.append(
                            import_bytes(session, household_code, read(path), path, obj.actor)
                        )
                except IngestError as exc:
                    failures.append(str(exc))

    if as_json:
        payload = {"imported": [s.as_dict() for s in summaries], "errors": failures}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for summary in summaries:
            _print_summary(summary)
        for failure in failures:
            click.echo(f"hhb: {failure}", err=True)
    if failures:
        sys.exit(EXIT_DATA)


def _print_summary(s: ImportSummary) -> None:
    period = (
        f"{s.period_start:%d-%m-%Y} t/m {s.period_end:%d-%m-%Y}"
        if s.period_start and s.period_end
        else "geen periode"
    )
    if s.format == "benefit":
        click.echo(f"{s.file}: uitkeringsgegevens ({s.dialect}) van {s.bank}")
    else:
        accounts = ", ".join(s.accounts)
        click.echo(f"{s.file}: {s.format} {s.bank} ({s.dialect}), rekening {accounts}")
    noun = "regels" if s.format == "benefit" else "transacties"
    click.echo(f"  periode {period}; {s.n_in_file} {noun} in bestand")
    line = f"  {s.n_added} toegevoegd, {s.n_duplicates} dubbel overgeslagen"
    if s.n_deleted_skipped:
        line += f", {s.n_deleted_skipped} eerder verwijderd en niet teruggezet"
    click.echo(line + (" (dit bestand was al eerder geïmporteerd)" if s.seen_before else ""))
    if s.benefit_links:
        click.echo(f"  {s.benefit_links} uitkeringsbetaling(en) gekoppeld aan banktransacties")
    for warning in s.warnings:
        click.echo(f"  waarschuwing: {warning}")


@main.command()
@click.option("--household", "household_code", required=True)
@click.option("--month", help="alleen deze maand (jjjj-mm)")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@db_option
@click.pass_obj
@user_errors
def transactions(obj: Context, household_code: str, month: str | None, fmt: str) -> None:
    """Toon de transacties van een huishouden (canonieke tabel)."""
    start = end = None
    if month:
        try:
            start, end = month_bounds(month)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from None
    with session_scope(obj.engine()) as session:
        frame = transactions_frame(session, household_code, start=start, end=end)
        audit(
            session,
            obj.actor,
            "transactions.view",
            get_household(session, household_code).id,
            month or "alle maanden",
        )
    if fmt == "json":
        click.echo(json.dumps(frame.to_dicts(), indent=1, ensure_ascii=False, default=str))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(frame.columns)
        for values in frame.iter_rows():
            writer.writerow("" if v is None else v for v in values)
        click.echo(buffer.getvalue(), nl=False)
    else:
        for row in frame.iter_rows(named=True):
            name = row["counterparty_name"] or ""
            click.echo(
                f"{row['booking_date']:%d-%m-%Y}  {format_euro(row['amount_cents']):>14}  "
                f"{name[:30]:<30}  {row['description'][:60]}"
            )
        click.echo(f"{frame.height} transacties")


@main.command("delete")
@click.option("--household", "household_code", required=True)
@click.option("--key", "keys", multiple=True, required=True, help="tx_key van de transactie")
@db_option
@click.pass_obj
@user_errors
def delete_cmd(obj: Context, household_code: str, keys: Sequence[str]) -> None:
    """Verwijder transacties; een nieuwe import zet ze niet terug."""
    with session_scope(obj.engine()) as session:
        for key in keys:
            delete_transaction(session, household_code, key, obj.actor)
    click.echo(f"{len(keys)} transactie(s) verwijderd.")


def run() -> None:
    """Console entry point: Dutch framework messages, then the command."""
    i18n.activate()
    main(prog_name="hhb")


if __name__ == "__main__":  # pragma: no cover
    run()
