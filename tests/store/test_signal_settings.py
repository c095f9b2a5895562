"""Signal margins per household on SQLite and PostgreSQL: defaults, changes, resets, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from budget.signals import DEFAULT_MARGINS, Margins
from store.db import session_scope
from store.households import NotFoundError, create_household
from store.models import AuditEvent, SignalSettings
from store.signal_settings import (
    InvalidSettingError,
    get_settings,
    margins_frame,
    reset_settings,
    set_settings,
)


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        create_household(session, "H1", "beheer")
        create_household(session, "H2", "beheer")
    return engine


def _audit(engine: Engine, action: str) -> list[str]:
    with session_scope(engine) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        return [f"{r.actor}: {r.detail}" for r in rows]


def test_a_household_without_settings_has_the_defaults(db: Engine) -> None:
    with session_scope(db) as session:
        view = get_settings(session, "H1")
    assert view.margins == DEFAULT_MARGINS and view.custom == frozenset()
    assert view.updated_by is None and view.is_default("date_tolerance_days")


def test_set_some_and_keep_the_rest(db: Engine) -> None:
    with session_scope(db) as session:
        set_settings(session, "H1", "coach1", date_tolerance_days=8, balance_floor_cents=-5000)
    with session_scope(db) as session:
        view = get_settings(session, "H1")
        other = get_settings(session, "H2")
    assert view.margins == Margins(date_tolerance_days=8, balance_floor_cents=-5000)
    assert view.custom == {"date_tolerance_days", "balance_floor_cents"}
    assert view.updated_by == "coach1" and view.updated_at is not None
    assert other.margins == DEFAULT_MARGINS
    assert _audit(db, "signal_settings.set") == [
        "coach1: date_tolerance_days standaard -> 8; balance_floor_cents standaard -> -5000"
    ]


def test_a_change_of_an_existing_value_is_audited_with_old_and_new(db: Engine) -> None:
    with session_scope(db) as session:
        set_settings(session, "H1", "coach1", amount_tolerance_pct=5)
    with session_scope(db) as session:
        set_settings(session, "H1", "coach2", amount_tolerance_pct=7, income_drop_pct=10)
        set_settings(session, "H1", "coach2", amount_tolerance_pct=7)  # no change: no audit
    assert _audit(db, "signal_settings.set") == [
        "coach1: amount_tolerance_pct standaard -> 5",
        "coach2: amount_tolerance_pct 5 -> 7; income_drop_pct standaard -> 10",
    ]
    with session_scope(db) as session:
        view = get_settings(session, "H1")
    # a value equal to the default is still the coach's own choice
    assert view.custom == {"amount_tolerance_pct", "income_drop_pct"}
    assert view.updated_by == "coach2"


def test_reset_one_or_all(db: Engine) -> None:
    with session_scope(db) as session:
        set_settings(session, "H1", "coach1", amount_tolerance_pct=5, date_tolerance_days=9)
    with session_scope(db) as session:
        view = reset_settings(session, "H1", "coach2", ["date_tolerance_days"])
    assert view.margins == Margins(amount_tolerance_pct=5)
    with session_scope(db) as session:
        view = reset_settings(session, "H1", "coach2")
    assert view.margins == DEFAULT_MARGINS and view.custom == frozenset()
    assert _audit(db, "signal_settings.reset") == [
        "coach2: date_tolerance_days 9 -> standaard",
        "coach2: amount_tolerance_pct 5 -> standaard",
    ]
    with session_scope(db) as session:
        row = session.scalars(select(SignalSettings)).one()
        assert row.amount_tolerance_pct is None and row.updated_by == "coach2"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_tolerance_days", -1),
        ("date_tolerance_days", 61),
        ("amount_tolerance_pct", 101),
        ("income_drop_pct", 0),
        ("buffer_target_cents", -1),
        ("balance_floor_cents", 10**12),
        ("nonsense", 3),
    ],
)
def test_values_out_of_bounds_are_refused_and_nothing_is_stored(
    db: Engine, field: str, value: int
) -> None:
    with pytest.raises(InvalidSettingError) as caught, session_scope(db) as session:
        set_settings(session, "H1", "coach1", **{field: value})
    assert "moet een geheel getal tussen" in str(caught.value) or "onbekende marge" in str(
        caught.value
    )
    with session_scope(db) as session:
        assert session.scalars(select(SignalSettings)).all() == []
    assert _audit(db, "signal_settings.set") == []


def test_unknown_household(db: Engine) -> None:
    with pytest.raises(NotFoundError), session_scope(db) as session:
        get_settings(session, "H9")


def test_many_households_as_a_frame(db: Engine) -> None:
    with session_scope(db) as session:
        set_settings(session, "H2", "coach1", buffer_target_cents=50000)
        frame = margins_frame(session)
        only = margins_frame(session, ["H1"])
    assert frame["household"].to_list() == ["H2"]
    assert frame.row(0, named=True)["buffer_target_cents"] == 50000
    assert frame.row(0, named=True)["date_tolerance_days"] is None
    assert only.height == 0
