"""Accounts: argon2id hashes, refused weak passwords, roles tied to what they may see."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from store.db import session_scope
from store.households import ConflictError, create_household
from store.users import (
    Role,
    add_user,
    disable_user,
    get_user,
    password_problem,
    reset_password,
    verify_password,
)

GOOD = "kaas-fiets-regen-9"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kort1!", "minstens 8"),
        ("password", "veelgebruikte"),
        ("Welkom01", "veelgebruikte"),
        ("wachtwoord123", "veelgebruikte"),
        ("iloveyou!", "veelgebruikte"),
        ("xx-coach1-xx", "gebruikersnaam"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    problem = password_problem(password, "coach1")
    assert problem is not None and reason in problem


def test_a_long_uncommon_passphrase_is_fine() -> None:
    assert password_problem(GOOD, "coach1") is None


def test_only_an_argon2id_hash_is_stored_and_it_verifies(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_user(session, "coach1", Role.BUDGETCOACH, GOOD, "admin")
    with session_scope(engine) as session:
        user = get_user(session, "coach1")
        assert user.password_hash.startswith("$argon2id$") and GOOD not in user.password_hash
        assert verify_password(user, GOOD)
        assert not verify_password(user, GOOD + "x")


def test_disabled_user_never_verifies_and_reset_changes_the_password(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_user(session, "coach1", Role.BUDGETCOACH, GOOD, "admin")
        reset_password(session, "coach1", "appel-boom-zon-42", "admin")
        user = get_user(session, "coach1")
        assert verify_password(user, "appel-boom-zon-42") and not verify_password(user, GOOD)
        disable_user(session, "coach1", "admin")
        assert not verify_password(user, "appel-boom-zon-42")


def test_roles_need_their_scope(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_household(session, "H1", "admin")
        with pytest.raises(ConflictError, match="huishouden"):
            add_user(session, "piet", Role.DEELNEMER, GOOD, "admin")
        with pytest.raises(ConflictError, match="gemeente"):
            add_user(session, "ana", Role.GEMEENTE_ANALIST, GOOD, "admin")
        with pytest.raises(ConflictError, match="alleen een deelnemer"):
            add_user(session, "coach2", Role.BUDGETCOACH, GOOD, "admin", household="H1")
        assert add_user(session, "piet", Role.DEELNEMER, GOOD, "admin", household="H1").household_id
        with pytest.raises(ConflictError, match="bestaat al"):
            add_user(session, "piet", Role.DEELNEMER, GOOD, "admin", household="H1")
