"""Coach rules in the database (SQLite and PostgreSQL): a correction classifies later imports,
a withdrawn rule stops applying, everything is audited; and the `hhb classify` commands."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from budget.categories import Rubriek
from hhb.clikit import Context
from hhb.commands_budget import classify_cmd
from hhb.settings import Settings
from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from store.classification import (
    classified_transactions,
    correct,
    list_rules,
    withdraw_rule,
)
from store.db import session_scope
from store.households import ConflictError, NotFoundError, create_household, get_household
from store.importing import store_result
from store.models import AuditEvent

ACCOUNT = "NL05INGB0751963427"
KAMER = "NL11ABNA9018187014"


def _tx(day: dt.date, cents: int, name: str | None, iban: str | None, text: str) -> RawTransaction:
    return RawTransaction(ACCOUNT, day, cents, "EUR", day, iban, name, text)


def _import(engine: Engine, month: int) -> None:
    day = dt.date(2024, month, 2)
    txs = (
        _tx(day, -45000, "K. Jansen", KAMER, f"Kamer maand {month}"),
        _tx(day + dt.timedelta(days=1), -1250, "KAPPER ALI 12", None, "Pasnr 1"),
        _tx(day + dt.timedelta(days=2), -42410, "Portaal", "NL18INGB5049696021", "Huur"),
    )
    result = ExtractResult(
        SourceFormat.CSV, "ING", "test", (Statement(account=ACCOUNT, transactions=txs),)
    )
    with session_scope(engine) as session:
        household = get_household(session, "H1")
        store_result(
            session, household, result, f"maand {month}".encode(), f"m{month}.csv", "test", "coach"
        )


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        create_household(session, "H1", "test")
        create_household(session, "H2", "test")
    _import(engine, 3)
    return engine


def _classes(engine: Engine, month: int) -> dict[str, tuple[str, str, str]]:
    start = dt.date(2024, month, 1)
    with session_scope(engine) as session:
        out = classified_transactions(session, "H1", start, start + dt.timedelta(days=27))
    return {
        r["counterparty_name"]: (r["ketenpartner"], r["rubriek"], r["rule_id"])
        for r in out.iter_rows(named=True)
    }


def _key(engine: Engine, name: str) -> str:
    with session_scope(engine) as session:
        out = classified_transactions(session, "H1")
    return str(out.filter(counterparty_name=name).get_column("tx_key")[0])


def test_a_correction_becomes_a_rule_for_later_imports(db: Engine) -> None:
    assert _classes(db, 3)["K. Jansen"][1] == "overig"
    with session_scope(db) as session:
        rule = correct(
            session,
            "H1",
            _key(db, "K. Jansen"),
            Rubriek.HUUR,
            "jdevries",
            ketenpartner="Kamerverhuur Jansen",
        )
    assert (rule.match, rule.value) == ("iban", KAMER)
    _import(db, 4)
    later = _classes(db, 4)
    assert later["K. Jansen"] == ("Kamerverhuur Jansen", "huur", f"coach:{rule.id}")
    assert later["Portaal"][1] == "huur"
    with session_scope(db) as session:
        out = classified_transactions(session, "H1", dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    reason = out.filter(counterparty_name="K. Jansen").get_column("reason")[0]
    # the reason gives the day in the Netherlands, whatever the machine's time zone
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    assert reason.startswith(f"regel van coach jdevries van {today:%d-%m-%Y}: IBAN {KAMER} is huur")


def test_without_iban_the_rule_matches_the_name_and_only_this_one_transaction(db: Engine) -> None:
    with session_scope(db) as session:
        by_name = correct(
            session,
            "H1",
            _key(db, "KAPPER ALI 12"),
            Rubriek.OVERIG,
            "jdevries",
            ketenpartner="Kapper",
        )
        only = correct(
            session, "H1", _key(db, "Portaal"), Rubriek.OVERIG, "jdevries", only_this=True
        )
    assert (by_name.match, by_name.value) == ("naam", "KAPPER ALI")
    assert only.match == "transactie"
    _import(db, 4)
    assert _classes(db, 4)["KAPPER ALI 12"][0] == "Kapper"
    assert _classes(db, 4)["Portaal"][1] == "huur"  # the later rent is not touched
    assert _classes(db, 3)["Portaal"][1] == "overig"


def test_a_withdrawn_rule_stops_applying_and_is_kept(db: Engine) -> None:
    with session_scope(db) as session:
        rule = correct(session, "H1", _key(db, "K. Jansen"), Rubriek.HUUR, "jdevries")
    with session_scope(db) as session:
        withdraw_rule(session, "H1", rule.id, "abakker")
    assert _classes(db, 3)["K. Jansen"][1] == "overig"
    with session_scope(db) as session:
        rules = list_rules(session, "H1")
        assert [(r.id, r.withdrawn_by) for r in rules] == [(rule.id, "abakker")]
        assert rules[0].withdrawn_at is not None
        with pytest.raises(ConflictError, match="al ingetrokken"):
            withdraw_rule(session, "H1", rule.id, "abakker")
        with pytest.raises(NotFoundError):
            withdraw_rule(session, "H2", rule.id, "abakker")
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "classification.rule.add" in actions
    assert "classification.rule.withdraw" in actions


def test_a_new_correction_replaces_the_active_rule(db: Engine) -> None:
    key = _key(db, "K. Jansen")
    with session_scope(db) as session:
        first = correct(session, "H1", key, Rubriek.HUUR, "jdevries")
        second = correct(session, "H1", key, Rubriek.AFLOSSING_SCHULDEN, "jdevries")
        rules = list_rules(session, "H1")
    assert [r.withdrawn_at is not None for r in rules] == [True, False]
    assert _classes(db, 3)["K. Jansen"][2] == f"coach:{second.id}" != f"coach:{first.id}"


def _cli(db: Engine, *args: str) -> tuple[int, str]:
    url = db.url.render_as_string(hide_password=False)
    obj = Context(Settings.from_env({}).with_database(url), actor="jdevries")
    result = CliRunner().invoke(classify_cmd, list(args), obj=obj)
    return result.exit_code, result.output


def test_cli_view_correct_rules_withdraw(db: Engine) -> None:
    code, out = _cli(db, "--household", "H1", "--month", "2024-03")
    assert code == 0, out
    assert "Portaal" in out and "waarom: herkend als Portaal" in out and "3 transacties" in out
    code, out = _cli(db, "--household", "H1", "--json")
    rows = json.loads(out)
    key = next(r["tx_key"] for r in rows if r["counterparty_name"] == "K. Jansen")
    code, out = _cli(db, "correct", "--household", "H1", "--key", key, "--rubriek", "huur")
    assert code == 0 and "regel 1: IBAN" in out, out
    code, out = _cli(db, "rules", "--household", "H1")
    assert "actief" in out and "1 regel(s)" in out
    code, out = _cli(db, "withdraw", "--household", "H1", "1")
    assert code == 0 and "ingetrokken" in out
    code, out = _cli(db, "correct", "--household", "H1", "--key", key, "--rubriek", "feest")
    assert code == 1 and "rubriek 'feest' bestaat niet" in out and "Traceback" not in out
    code, out = _cli(db, "--household", "NIEMAND")
    assert code == 1 and "bestaat niet" in out
    with session_scope(db) as session:
        views = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("classification.%view"))
        ).all()
    assert len(views) == 3
