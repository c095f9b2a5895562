"""What every hhb command shares: settings and engine, ``--db``, and the error boundary.

Every error a user can cause ends as one line ``hhb: FILE:LINE: what is wrong and what to do``
with a non-zero exit code; an unexpected failure says so in one line and leaves the traceback in
``<data dir>/hhb-error.log``, never on the terminal.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from hhb.settings import Settings
from ingest.errors import IngestError
from store.db import DatabaseError, make_engine, require_current
from store.households import ConflictError, NotFoundError

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
        except (click.exceptions.Exit, click.ClickException):
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


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "onbekend"
