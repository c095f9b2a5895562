"""Caseloads, consent and month notes: a coach sees a household only with both, at once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from store.access import (
    add_note,
    add_to_caseload,
    caseload,
    coach_may_see,
    coaches_of,
    consent_history,
    grant_consent,
    notes,
    remove_from_caseload,
    revoke_consent,
    withdraw_note,
)
from store.db import session_scope
from store.households import ConflictError, NotFoundError, create_household, get_household
from store.models import AuditEvent
from store.users import Role, add_user, get_user

PASSWORD = "kaas-fiets-regen-9"


@pytest.fixture
def world(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        for code in ("H1", "H2"):
            create_household(session, code, "beheer")
        add_user(session, "coach1", Role.BUDGETCOACH, PASSWORD, "beheer")
        add_user(session, "coach2", Role.BUDGETCOACH, PASSWORD, "beheer")
        add_user(session, "deel1", Role.DEELNEMER, PASSWORD, "beheer", household="H1")
    return engine


def may_see(engine: Engine, coach: str, code: str) -> bool:
    with session_scope(engine) as session:
        user = get_user(session, coach)
        return coach_may_see(session, user.id, get_household(session, code).id)


def test_access_needs_caseload_and_consent_and_ends_with_either(world: Engine) -> None:
    assert not may_see(world, "coach1", "H1")
    with session_scope(world) as session:
        add_to_caseload(session, "coach1", "H1", "beheer")
    assert not may_see(world, "coach1", "H1"), "caseload alone is no access"
    with session_scope(world) as session:
        assert grant_consent(session, "H1", "coach1", "deel1")
    assert may_see(world, "coach1", "H1")
    assert not may_see(world, "coach2", "H1"), "consent is per coach"
    assert not may_see(world, "coach1", "H2")
    with session_scope(world) as session:
        assert revoke_consent(session, "H1", "coach1", "deel1")
    assert not may_see(world, "coach1", "H1")
    with session_scope(world) as session:
        grant_consent(session, "H1", "coach1", "deel1")
        remove_from_caseload(session, "coach1", "H1", "beheer")
    assert not may_see(world, "coach1", "H1"), "consent alone is no access"


def test_consent_without_caseload_gives_no_access(world: Engine) -> None:
    with session_scope(world) as session:
        grant_consent(session, "H2", "coach2", "deel1")
    assert not may_see(world, "coach2", "H2")


def test_caseload_lists_codes_with_consent_state(world: Engine) -> None:
    with session_scope(world) as session:
        add_to_caseload(session, "coach1", "H2", "beheer")
        add_to_caseload(session, "coach1", "H1", "beheer")
        grant_consent(session, "H1", "coach1", "deel1")
        entries = caseload(session, "coach1")
    assert [(e.household, e.consent) for e in entries] == [("H1", True), ("H2", False)]


def test_participant_sees_every_coach_and_the_history_of_consents(world: Engine) -> None:
    with session_scope(world) as session:
        add_to_caseload(session, "coach1", "H1", "beheer")
        grant_consent(session, "H1", "coach2", "deel1")
        revoke_consent(session, "H1", "coach2", "deel1")
        grant_consent(session, "H1", "coach1", "deel1")
        coaches = coaches_of(session, "H1")
        history = consent_history(session, "H1")
    assert [(c.coach, c.in_caseload, c.has_access) for c in coaches] == [("coach1", True, True)]
    assert [(r.coach, r.revoked_by) for r in history] == [("coach1", None), ("coach2", "deel1")]


def test_granting_twice_or_revoking_nothing_changes_nothing(world: Engine) -> None:
    with session_scope(world) as session:
        assert grant_consent(session, "H1", "coach1", "deel1")
        assert not grant_consent(session, "H1", "coach1", "deel1")
        assert revoke_consent(session, "H1", "coach1", "deel1")
        assert not revoke_consent(session, "H1", "coach1", "deel1")
        assert len(consent_history(session, "H1")) == 1


def test_only_an_active_budgetcoach_gets_a_caseload_or_consent(world: Engine) -> None:
    with session_scope(world) as session, pytest.raises(ConflictError, match="geen budgetcoach"):
        add_to_caseload(session, "deel1", "H1", "beheer")
    with session_scope(world) as session, pytest.raises(ConflictError, match="geen budgetcoach"):
        grant_consent(session, "H1", "deel1", "deel1")
    with session_scope(world) as session, pytest.raises(NotFoundError):
        add_to_caseload(session, "niemand", "H1", "beheer")
    with session_scope(world) as session:
        add_to_caseload(session, "coach1", "H1", "beheer")
    with session_scope(world) as session, pytest.raises(ConflictError, match="al in de caseload"):
        add_to_caseload(session, "coach1", "H1", "beheer")


def test_every_change_is_in_the_households_audit_log(world: Engine) -> None:
    with session_scope(world) as session:
        add_to_caseload(session, "coach1", "H1", "beheer")
        grant_consent(session, "H1", "coach1", "deel1")
        revoke_consent(session, "H1", "coach1", "deel1")
        remove_from_caseload(session, "coach1", "H1", "beheer")
    with session_scope(world) as session:
        household = get_household(session, "H1")
        events = session.execute(
            select(AuditEvent.actor, AuditEvent.action)
            .where(
                AuditEvent.household_id == household.id,
                AuditEvent.action.not_in(("household.create", "user.add")),
            )
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("beheer", "caseload.add"),
        ("deel1", "consent.grant"),
        ("deel1", "consent.revoke"),
        ("beheer", "caseload.remove"),
    ]


def test_month_notes_are_kept_per_month_and_withdrawn_not_deleted(world: Engine) -> None:
    with session_scope(world) as session:
        first = add_note(session, "H1", dt.date(2024, 3, 15), " Huur te laat ", "coach1")
        add_note(session, "H1", dt.date(2024, 4, 1), "Energie besproken", "coach1")
        add_note(session, "H2", dt.date(2024, 3, 1), "ander huishouden", "coach1")
    assert first.month == dt.date(2024, 3, 1) and first.body == "Huur te laat"
    with session_scope(world) as session:
        march = notes(session, "H1", (dt.date(2024, 3, 1),))
        assert [n.body for n in march] == ["Huur te laat"]
        withdraw_note(session, "H1", first.id, "coach1")
        assert [n.body for n in notes(session, "H1")] == ["Energie besproken"]
    with session_scope(world) as session, pytest.raises(NotFoundError):
        withdraw_note(session, "H2", first.id, "coach1")
    with session_scope(world) as session, pytest.raises(ConflictError, match="leeg"):
        add_note(session, "H1", dt.date(2024, 3, 1), "   ", "coach1")
