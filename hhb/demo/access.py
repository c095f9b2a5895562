"""Who may see which demo household: each coach gets the households whose profile names them,
with the participant's consent, so every demo login opens something real in the dashboard.

In the demo the consent stands for a form signed at the first meeting; it is recorded as given
by the demo actor, and the participant login can withdraw it on "Mijn gegevens".
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from store.access import add_to_caseload, grant_consent
from store.db import session_scope
from store.models import Household, User
from store.profiles import profile_history
from store.users import Role


def link_demo_access(engine: Engine, actor: str) -> int:
    """Put every demo household in its profile coach's caseload with consent; returns how many."""
    linked = 0
    with session_scope(engine) as session:
        coaches = set(
            session.scalars(select(User.username).where(User.role == str(Role.BUDGETCOACH)))
        )
        for code in session.scalars(select(Household.code).order_by(Household.code)).all():
            history = profile_history(session, code)
            coach = history[-1].profile.coach if history else None
            if coach not in coaches:
                continue
            add_to_caseload(session, coach, code, actor)
            grant_consent(session, code, coach, actor)
            linked += 1
    return linked
