"""Authorization of every callback and page: the role *and* the household scope, else 403.

Deny by default happens twice. ``dashboard.security`` lets no request without a valid session
past ``before_request``; here every Dash callback carries :func:`guarded`, which checks the
user's role and, when the callback touches a household, that the household named in the request
is in the user's scope (a participant: their own; a coach: in the caseload *with* current
consent, asked of the database on every call, so a revocation counts at once; an analyst or
beheerder: never a single household). A refusal is written to the audit log and answered with
``abort(403)``; an allowed access to household data is written to the audit log as well.

A test walks ``app.callback_map`` and fails for any callback without the guard, and a matrix
posts every guarded callback as every role with a household outside its scope.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn, TypeVar

from dash import html
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.context import Principal, db, principal
from dashboard.i18n import _
from store.access import coach_may_see
from store.households import audit
from store.models import Household
from store.users import Role

F = TypeVar("F", bound=Callable[..., Any])

GUARD_ATTR = "__hhb_guard__"
HOUSEHOLD_PARAM = "household"
"""The parameter name through which a guarded function receives the household code."""

ALL_ROLES = frozenset(Role)
HOUSEHOLD_ROLES = frozenset({Role.DEELNEMER, Role.BUDGETCOACH})
"""The only roles that ever see one household's data (DOMAIN.md section 2)."""


@dataclass(frozen=True, slots=True)
class Guard:
    roles: frozenset[Role]
    action: str
    household_index: int | None
    """Position of the household code among the positional arguments, if any."""


def guard_of(func: Callable[..., Any]) -> Guard | None:
    """The guard a (possibly Dash-wrapped) function carries, for the tests that check them."""
    while func is not None:
        found = getattr(func, GUARD_ATTR, None)
        if isinstance(found, Guard):
            return found
        func = getattr(func, "__wrapped__", None)  # type: ignore[assignment]
    return None


def household_in_scope(session: Session, who: Principal, code: object) -> int | None:
    """The id of household ``code`` when ``who`` may see it, otherwise ``None``.

    An unknown code gives ``None`` just like a foreign one, so the answer tells nobody which
    households exist.
    """
    if not isinstance(code, str) or not code:
        return None
    household_id = session.scalar(select(Household.id).where(Household.code == code))
    if household_id is None:
        return None
    if who.role is Role.DEELNEMER:
        return household_id if household_id == who.household_id else None
    if who.role is Role.BUDGETCOACH:
        return household_id if coach_may_see(session, who.user_id, household_id) else None
    return None


def _refuse(who: Principal, action: str, code: object, why: str) -> None:
    """Record a refusal in its own transaction: it must survive the 403 that follows."""
    with db() as session:
        household_id = None
        if isinstance(code, str):
            household_id = session.scalar(select(Household.id).where(Household.code == code))
        audit(session, who.username, "access.refused", household_id, f"{action}: {why}")


def authorize(guard: Guard, args: tuple[Any, ...]) -> tuple[Principal, int | None]:
    """Check a guard for this request; returns the user and the household id, or refuses.

    An allowed access to a household's data is audited in the same step
    (``dashboard.<action>``); callbacks without a household show no household data.
    """
    who = principal()
    code = args[guard.household_index] if guard.household_index is not None else None
    if who.role not in guard.roles:
        _refuse(who, guard.action, code, f"rol {who.role}")
        raise_forbidden()
    if guard.household_index is None:
        return who, None
    with db() as session:
        household_id = household_in_scope(session, who, code)
        if household_id is not None:
            audit(session, who.username, f"dashboard.{guard.action}", household_id)
    if household_id is None:
        _refuse(who, guard.action, code, "huishouden buiten bereik")
        raise_forbidden()
    return who, household_id


def raise_forbidden() -> NoReturn:
    abort(403)


def _household_index(func: Callable[..., Any], household: bool) -> int | None:
    if not household:
        return None
    names = list(inspect.signature(func).parameters)
    if HOUSEHOLD_PARAM not in names:
        raise TypeError(f"{func.__qualname__} needs a parameter named {HOUSEHOLD_PARAM!r}")
    return names.index(HOUSEHOLD_PARAM)


def guarded(*, roles: Iterable[Role], action: str, household: bool = False) -> Callable[[F], F]:
    """Decorate a Dash callback: refuse (403) unless role and household scope allow it.

    ``household=True`` means the callback reads or changes one household's data; the code comes
    from its parameter named ``household`` (a ``State`` of the page's household store). Only
    participants and coaches can ever pass such a guard.
    """
    allowed = frozenset(roles)
    if household and not allowed <= HOUSEHOLD_ROLES:
        raise ValueError(f"{action}: only {sorted(HOUSEHOLD_ROLES)} may see a household")

    def decorate(func: F) -> F:
        guard = Guard(allowed, action, _household_index(func, household))

        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authorize(guard, args)
            return func(*args, **kwargs)

        setattr(wrapper, GUARD_ATTR, guard)
        return wrapper  # type: ignore[return-value]

    return decorate


def guarded_layout(
    *, roles: Iterable[Role], action: str, household: bool = False
) -> Callable[[F], F]:
    """Like :func:`guarded`, for a page's ``layout(**path)``: a refusal shows a "no access"
    page (and is audited) instead of an empty screen. Layouts hold no household data themselves;
    that comes through guarded callbacks, which answer 403.
    """
    allowed = frozenset(roles)

    def decorate(func: F) -> F:
        guard = Guard(allowed, action, 0 if household else None)

        @wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            code = kwargs.get("hid")
            try:
                authorize(guard, (code,))
            except Exception as exc:  # werkzeug's Forbidden/Unauthorized from abort()
                if getattr(exc, "code", None) in (401, 403):
                    return no_access()
                raise
            return func(**kwargs)

        setattr(wrapper, GUARD_ATTR, guard)
        return wrapper  # type: ignore[return-value]

    return decorate


def no_access() -> html.Div:
    return html.Div(
        [
            html.H1(_("No access"), className="h3"),
            html.P(_("You do not have access to this page or to this household.")),
            html.A(_("Back to the start page"), href="/", className="alert-link"),
        ],
        className="alert alert-warning",
        role="alert",
    )
