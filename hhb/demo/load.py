"""Put a written demo world into a database through the normal import path.

Each household is created with its profile (valid from the start of its participation, as
``hhb household create --profile`` does), then every bank file and the benefit file go through
``store.importing.import_bytes`` in their own session, exactly as ``hhb import`` does: the demo
exercises detection, parsing, deduplication and the continuity check on every file, and any
warning is collected and reported rather than hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from hhb.demo.files import BENEFIT_FILE, bank_files
from ingest.profile import load_profile
from store.db import session_scope
from store.households import create_household
from store.importing import import_bytes
from store.models import Household, Transaction
from store.profiles import record_profile


@dataclass(frozen=True, slots=True)
class LoadSummary:
    households: int
    files: int
    transactions: int
    warnings: tuple[str, ...]


def load_world(engine: Engine, out: Path, codes: Iterable[str], actor: str) -> LoadSummary:
    households = files = added = 0
    warnings: list[str] = []
    for code in codes:
        profile_path = out / code / "profile.yaml"
        profile = load_profile(profile_path.read_bytes(), profile_path.name)
        with session_scope(engine) as session:
            create_household(session, code, actor)
            record_profile(session, code, profile, profile.participation.start, actor,
                           profile_path.name)  # fmt: skip
        households += 1
        for path in [*bank_files(out, code), out / code / BENEFIT_FILE]:
            with session_scope(engine) as session:
                summary = import_bytes(session, code, path.read_bytes(), path.name, actor)
            files += 1
            added += summary.n_added if path.name != BENEFIT_FILE else 0
            warnings += [f"{code}/{w}" for w in summary.warnings]
    return LoadSummary(households, files, added, tuple(warnings))


def is_demo_database(engine: Engine) -> bool:
    """A database holds only demo data when every household in it has a ``DEMO-`` code."""
    with session_scope(engine) as session:
        total = session.scalar(select(func.count()).select_from(Household)) or 0
        demo = (
            session.scalar(
                select(func.count()).select_from(Household).where(Household.code.like("DEMO-%"))
            )
            or 0
        )
        return total == demo


def stored_transactions(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Transaction)) or 0
