"""Run-time settings from the environment, overridable per command (``--db``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the data lives.

    ``HHB_DATA_DIR`` (default ``./.hhb``) holds the embedded SQLite database; production sets
    ``HHB_DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://user@host/db``).
    """

    data_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("HHB_DATA_DIR") or ".hhb")
        url = env.get("HHB_DATABASE_URL") or sqlite_url(data_dir / "hhb.sqlite3")
        return cls(data_dir=data_dir, database_url=url)

    def with_database(self, db: str | None) -> Settings:
        """``--db`` takes a URL or a plain path to a SQLite file."""
        if not db:
            return self
        url = db if "://" in db else sqlite_url(Path(db))
        return replace(self, database_url=url)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
