"""`hhb serve` starts the dashboard on waitress; `hhb demo` links coaches and serves at the end."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hhb.cli import main
from hhb.demo.cli import demo
from store.access import caseload, coaches_of
from store.db import make_engine, session_scope
from store.models import Household


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HHB_DATABASE_URL", raising=False)
    monkeypatch.delenv("HHB_SECRET_KEY", raising=False)
    monkeypatch.delenv("HHB_HTTPS", raising=False)
    return tmp_path


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Catch waitress.serve instead of blocking; the app it would serve is kept for a request."""
    calls: list[dict[str, Any]] = []

    def fake_serve(app: Any, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr("waitress.serve", fake_serve)
    return calls


def test_serve_builds_the_app_and_hands_it_to_waitress(
    data_dir: Path, served: list[dict[str, Any]]
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(main, ["serve", "--port", "8123", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "Dashboard: http://0.0.0.0:8123/" in result.output
    assert "HHB_SECRET_KEY is niet gezet" in result.output
    (call,) = served
    assert (call["host"], call["port"], call["threads"]) == ("0.0.0.0", 8123, 8)
    assert "url_scheme" not in call
    login = call["app"].test_client().get("/login")
    assert login.status_code == 200 and "Inloggen" in login.get_data(as_text=True)


def test_serve_behind_https_sets_the_scheme_and_trusts_only_the_named_proxy(
    data_dir: Path, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HHB_SECRET_KEY", "k" * 64)
    runner = CliRunner()
    runner.invoke(main, ["init"])
    result = runner.invoke(main, ["serve", "--https", "--trusted-proxy", "127.0.0.1"])
    assert result.exit_code == 0 and "https://" in result.output
    assert "HHB_SECRET_KEY" not in result.output
    (call,) = served
    assert call["url_scheme"] == "https" and call["trusted_proxy"] == "127.0.0.1"
    response = call["app"].test_client().get("/login")
    assert "Strict-Transport-Security" in response.headers


def test_serve_refuses_a_database_that_does_not_exist_yet(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1 and "hhb init" in result.stderr


def test_a_port_in_use_is_one_dutch_line(data_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init"])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code != 0
    assert f"kan niet luisteren op 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_demo_links_each_coach_to_their_households_and_serves_them(
    data_dir: Path, served: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(demo, ["--households", "3", "--months", "2", "--port", "8099"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert served and served[0]["port"] == 8099
    engine = make_engine(f"sqlite:///{data_dir / 'demo.sqlite3'}")
    with session_scope(engine) as session:
        codes = session.scalars(select(Household.code)).all()
        assert codes
        for code in codes:
            (coach,) = coaches_of(session, code)
            assert coach.has_access
            assert code in [e.household for e in caseload(session, coach.coach)]
    engine.dispose()


def test_demo_with_no_serve_does_not_start_a_server(
    data_dir: Path, served: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(demo, ["--no-serve", "--households", "2", "--months", "1"])
    assert result.exit_code == 0 and served == []
