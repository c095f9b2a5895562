"""One login of every role for the demo, with fresh random passwords printed once.

Random per run rather than fixed: a demo database copied onto a reachable server must not be
open to anyone who has read this code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine

from hhb.demo.catalog import COACHES
from hhb.demo.seed import SEED_CODE
from store.db import session_scope
from store.users import Role, add_user

WORDS = ("appel", "fiets", "molen", "tulp", "gracht", "kaas", "polder", "dijk", "klomp", "duin")


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: Role
    password: str
    scope: str


def _password() -> str:
    words = [secrets.choice(WORDS) for _ in range(3)]
    return "-".join(words) + f"-{secrets.randbelow(90) + 10}"


def create_demo_users(engine: Engine, actor: str) -> list[DemoLogin]:
    logins = [
        DemoLogin("beheerder", Role.BEHEERDER, _password(), "gebruikers, rollen, caseloads"),
        *(
            DemoLogin(coach, Role.BUDGETCOACH, _password(), "caseload van deze coach")
            for coach in COACHES
        ),
        DemoLogin("deelnemer", Role.DEELNEMER, _password(), f"huishouden {SEED_CODE}"),
        DemoLogin("analist", Role.GEMEENTE_ANALIST, _password(), "gemeente Utrecht (GM0344)"),
    ]
    with session_scope(engine) as session:
        for login in logins:
            add_user(
                session,
                login.username,
                login.role,
                login.password,
                actor,
                household=SEED_CODE if login.role is Role.DEELNEMER else None,
                municipality="GM0344" if login.role is Role.GEMEENTE_ANALIST else None,
            )
    return logins
