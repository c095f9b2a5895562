"""User accounts and roles (OWASP ASVS 5.0 level 2 for passwords).

Passwords: at least 8 characters (no upper limit below 64, no composition rules), refused when
they are among the 30 000 most common passwords (the list zxcvbn ships), a few Dutch favourites,
or contain the user name; stored only as an argon2id hash.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.households import ConflictError, NotFoundError, audit, get_household
from store.models import User, utcnow

MIN_LENGTH = 8
MAX_LENGTH = 128

# Dutch passwords that top breach lists here but not the English-language list zxcvbn ships.
_DUTCH_COMMON = frozenset(
    {"wachtwoord", "welkom", "welkom01", "welkom123", "geheim", "voetbal", "ajax", "feyenoord",
     "psv", "huishoudboekje", "gemeente", "utrecht", "amersfoort", "amsterdam", "rotterdam"}
)  # fmt: skip

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class Role(StrEnum):
    DEELNEMER = "deelnemer"
    BUDGETCOACH = "budgetcoach"
    GEMEENTE_ANALIST = "gemeente-analist"
    BEHEERDER = "beheerder"


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | _DUTCH_COMMON


def password_problem(password: str, username: str) -> str | None:
    """Why a password is refused (Dutch), or ``None`` when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"het wachtwoord moet minstens {MIN_LENGTH} tekens hebben"
    if len(password) > MAX_LENGTH:
        return f"het wachtwoord mag hoogstens {MAX_LENGTH} tekens hebben"
    lowered = password.lower()
    stripped = lowered.rstrip("0123456789!?.")
    if lowered in _common_passwords() or stripped in _common_passwords():
        return "dit wachtwoord staat in de lijst van veelgebruikte wachtwoorden; kies een ander"
    if username.lower() in lowered:
        return "het wachtwoord mag de gebruikersnaam niet bevatten"
    return None


def add_user(
    session: Session,
    username: str,
    role: Role,
    password: str,
    actor: str,
    *,
    household: str | None = None,
    municipality: str | None = None,
) -> User:
    if not _USERNAME_RE.match(username):
        raise ConflictError(
            f"gebruikersnaam {username!r} is ongeldig: kleine letters, cijfers, '.', '_' of '-'"
        )
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise ConflictError(f"gebruiker {username!r} bestaat al")
    if (problem := password_problem(password, username)) is not None:
        raise ConflictError(problem)
    if role is Role.DEELNEMER and household is None:
        raise ConflictError("een deelnemer hoort bij een huishouden; geef --household op")
    if role is not Role.DEELNEMER and household is not None:
        raise ConflictError("alleen een deelnemer hoort bij een huishouden")
    if role is Role.GEMEENTE_ANALIST and municipality is None:
        raise ConflictError("een gemeente-analist hoort bij een gemeente; geef --gemeente op")
    household_id = get_household(session, household).id if household else None
    user = User(
        username=username,
        role=str(role),
        password_hash=_hasher().hash(password),
        household_id=household_id,
        municipality=municipality,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "user.add", household_id, f"{username} ({role})")
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"gebruiker {username!r} bestaat niet")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def disable_user(session: Session, username: str, actor: str) -> None:
    user = get_user(session, username)
    user.disabled_at = user.disabled_at or utcnow()
    audit(session, actor, "user.disable", None, username)


def reset_password(session: Session, username: str, password: str, actor: str) -> None:
    user = get_user(session, username)
    if (problem := password_problem(password, username)) is not None:
        raise ConflictError(problem)
    user.password_hash = _hasher().hash(password)
    user.password_changed_at = utcnow()
    audit(session, actor, "user.reset-password", None, username)


def verify_password(user: User, password: str) -> bool:
    """Constant-time check; a disabled account never verifies. Rehashes old parameters."""
    if user.disabled_at is not None:
        return False
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return True
