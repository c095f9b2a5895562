"""A throwaway PostgreSQL cluster for the tests, started as the ``postgres`` user.

The cluster lives in a temporary directory, listens only on a Unix socket in that directory (no
TCP port to collide with anything), trusts local connections, and is removed afterwards.
``HHB_TEST_POSTGRES_URL`` points the tests at an existing server instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable_reason() -> str | None:
    """Why no cluster can be started here, or ``None`` when it can."""
    if os.environ.get("HHB_TEST_POSTGRES_URL"):
        return None
    if find_bindir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) on this machine"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no 'postgres' user to run the server as"
    return None


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(*args: object, check: bool = True) -> None:
    """Run a server program as the server user; on failure show its own output."""
    command = _as_server_user([str(a) for a in args])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh, empty database; stop and delete it afterwards."""
    if url := os.environ.get("HHB_TEST_POSTGRES_URL"):
        yield url
        return
    bindir = find_bindir()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="hhb-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    try:
        _run(
            bindir / "initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{sock}' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _run(bindir / "pg_ctl", "-D", data, "-l", root / "log", "-w", "-o", options, "start")
        _run(bindir / "createdb", "-h", sock, "-U", "postgres", "hhb")
        yield f"postgresql+psycopg://postgres@/hhb?host={sock}"
    finally:
        _run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
