"""`hhb import`, `hhb transactions`, `hhb delete`: getting statements in and looking at them."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from hhb.clikit import EXIT_DATA, Context, db_option, user_errors
from ingest.amounts import format_euro
from ingest.errors import IngestError
from store.db import session_scope
from store.households import audit, get_household
from store.import_log import ImportSummary
from store.importing import import_file
from store.transactions import delete_transaction, month_bounds, transactions_frame


@click.command("import")
@click.option("--household", "household_code", required=True, help="code van het huishouden")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="samenvatting als JSON")
@click.option(
    "--account",
    metavar="IBAN",
    help="eigen rekening, voor exports die die niet noemen (oudere bunq-export)",
)
@click.option(
    "--all-or-nothing",
    is_flag=True,
    help="alle bestanden samen: bij één fout wordt niets opgeslagen",
)
@db_option
@click.pass_obj
@user_errors
def import_cmd(
    obj: Context,
    household_code: str,
    files: Sequence[str],
    as_json: bool,
    account: str | None,
    all_or_nothing: bool,
) -> None:
    """Importeer bankafschriften (MT940, CAMT.053, OFX, CSV) voor een huishouden.

    Elk bestand wordt helemaal of niet opgeslagen; dubbele transacties worden overgeslagen.
    """
    engine = obj.engine()
    summaries: list[ImportSummary] = []
    failures: list[str] = []
    sizes = [_size(path) for path in files]
    show_progress = (
        not as_json and sys.stderr.isatty() and (len(files) > 1 or sum(sizes) >= PROGRESS_MIN_BYTES)
    )

    with click.progressbar(
        length=max(sum(sizes), 1), label="Importeren", file=sys.stderr, hidden=not show_progress
    ) as bar:
        progress = _Progress(bar)

        def one(session: Session, path: str, size: int) -> ImportSummary:
            summary = import_file(
                session,
                household_code,
                path,
                path,
                obj.actor,
                account=account,
                progress=progress.at,
            )
            progress.done(size)
            return summary

        if all_or_nothing:
            with session_scope(engine) as session:
                for path, size in zip(files, sizes, strict=True):
                    summaries.append(one(session, path, size))
        else:
            for path, size in zip(files, sizes, strict=True):
                try:
                    with session_scope(engine) as session:
                        summaries.append(one(session, path, size))
                except IngestError as exc:
                    progress.done(size)
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


PROGRESS_MIN_BYTES = 8 << 20
"""A single file from this size gets a progress bar too (a few seconds of importing)."""


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0  # the import itself reports that the file cannot be read


class _Progress:
    """Moves one bar over the bytes of all files: within a file as its reader reports how far
    it got, to the file's end when it is done."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.base = 0
        self.shown = 0

    def at(self, position: int) -> None:
        target = self.base + position
        if target > self.shown:
            self.bar.update(target - self.shown)
            self.shown = target

    def done(self, size: int) -> None:
        self.base += size
        self.at(0)


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


@click.command()
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


@click.command("delete")
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
