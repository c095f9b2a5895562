"""The household facts of a municipality and year: computed in one batch run, kept, and read.

Filling the facts (budget, signals, regelingen for every household) is a batch job, minutes for
a large municipality; the aggregates themselves take a second. So the product computes the facts
once per change of the data (``hhb facts refresh``, for instance nightly or after an import
round, the households spread over worker processes: :mod:`reports.facts_parallel`) and keeps
them (:mod:`store.facts_snapshots`); ``hhb aggregates`` and the analyst page read the kept facts
while they are current and compute them again when they are not. A snapshot made from older
data is never passed off as current: :class:`Facts` says how old the figures are and whether
the data changed since.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from reports.facts import HouseholdFacts, build_facts, validate
from reports.facts_parallel import compute_parallel, filled_facts
from store import facts_snapshots
from store.households import audit
from store.models import utcnow

FACTS_FORMAT = "facts-2026-11-24"
"""The version of the code that computes the facts; change it when the facts of the same data
change (a new column, a corrected rule), so snapshots of the old code count as stale."""


@dataclass(frozen=True, slots=True)
class Facts:
    """Facts with where they came from: ``computed_at`` of the batch run, ``seconds`` it took,
    and ``current``: made from the data as they are now."""

    facts: HouseholdFacts
    computed_at: dt.datetime
    seconds: float
    current: bool


def compute(
    session: Session, year: int, municipality: str | None, *, processes: int = 1
) -> tuple[HouseholdFacts, float]:
    """Build and fill the facts of every household of ``year`` (in ``municipality``, if given):
    the households, their income, leefgeld and signals, regelingen and clawbacks. With
    ``processes`` above 1 the households are filled in that many worker processes
    (:mod:`reports.facts_parallel`; they read what is committed), with the same result."""
    if processes > 1:
        return compute_parallel(session, year, municipality, processes)
    start = time.perf_counter()
    facts = filled_facts(session, year, municipality)
    return facts, time.perf_counter() - start


def _encode(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def _decode(data: bytes) -> pl.DataFrame:
    frame = pl.read_parquet(io.BytesIO(data))
    validate(frame)
    return frame


def _keep(
    session: Session, facts: HouseholdFacts, municipality: str, year: int, version: str,
    seconds: float, actor: str,
) -> Facts:  # fmt: skip
    frame = facts.frame.filter(pl.col("municipality") == municipality)
    own = HouseholdFacts(frame, dict(facts.unavailable), dict(facts.sources))
    now = utcnow()
    facts_snapshots.save(
        session,
        facts_snapshots.Stored(
            municipality, year, version, frame.height, seconds, _encode(frame),
            dict(own.unavailable), dict(own.sources), now, actor,
        ),
    )  # fmt: skip
    return Facts(own, now, seconds, True)


def refresh(
    session: Session,
    year: int,
    actor: str,
    municipalities: Iterable[str] | None = None,
    *,
    processes: int = 1,
) -> dict[str, Facts]:
    """Compute the facts of ``year`` for the given municipalities (every municipality with
    households that year when None) in one batch run and keep one snapshot per municipality.
    The run reads every household's data: one audit event records it. ``processes``: worker
    processes that fill the households (see :func:`compute`); this process alone writes the
    snapshots and the audit event, and keeps nothing when a household fails."""
    version = facts_snapshots.inputs_version(session, FACTS_FORMAT)
    wanted = None if municipalities is None else sorted(set(municipalities))
    only = wanted[0] if wanted is not None and len(wanted) == 1 else None
    facts, seconds = compute(session, year, only, processes=processes)
    present = sorted(set(facts.frame["municipality"].to_list()))
    kept = {
        m: _keep(session, facts, m, year, version, seconds, actor)
        for m in present
        if wanted is None or m in wanted
    }
    audit(session, actor, "facts.refresh", None,
          f"{year}: {facts.frame.height} huishoudens in {len(kept)} gemeenten, "
          f"{seconds:.1f} s")  # fmt: skip
    return kept


def stored(session: Session, municipality: str, year: int) -> Facts | None:
    """The kept facts of ``municipality`` and ``year``, current or not; None if never computed."""
    found = facts_snapshots.load(session, municipality, year)
    if found is None:
        return None
    version = facts_snapshots.inputs_version(session, FACTS_FORMAT)
    facts = HouseholdFacts(_decode(found.frame), found.unavailable, found.sources)
    return Facts(facts, found.created_at, found.seconds, found.inputs_version == version)


def current(session: Session, municipality: str, year: int, actor: str) -> Facts:
    """The facts of ``municipality`` and ``year`` as the data are now: the kept ones while
    current, else computed again (and kept)."""
    found = stored(session, municipality, year)
    if found is not None and found.current:
        return found
    made = refresh(session, year, actor, [municipality])
    if municipality in made:
        return made[municipality]
    facts = build_facts(session, year, municipality)  # no household there that year
    return Facts(facts, utcnow(), 0.0, True)


def latest(session: Session, municipality: str, year: int, actor: str) -> Facts:
    """The last kept facts of ``municipality`` and ``year``, also when the data changed since
    (``current`` says so, and the page says when they were computed); computed and kept only
    when there are none. For the analyst page: a click never waits for a batch run over a
    whole municipality, which the nightly ``hhb facts refresh`` does."""
    found = stored(session, municipality, year)
    return found if found is not None else current(session, municipality, year, actor)


def facts_of(session: Session, year: int, households: Collection[str]) -> HouseholdFacts:
    """The filled facts of these households in ``year``: taken from the kept snapshots while
    they are current, computed for any household they do not hold (a coach's caseload view
    reads a few rows instead of running the budget and the rules for every household)."""
    version = facts_snapshots.inputs_version(session, FACTS_FORMAT)
    wanted = set(households)
    parts: list[HouseholdFacts] = []
    for municipality, made_year, made_from, _count, _at in facts_snapshots.snapshots(session):
        if made_year != year or made_from != version:
            continue
        found = facts_snapshots.load(session, municipality, year)
        assert found is not None
        frame = _decode(found.frame).filter(pl.col("household").is_in(sorted(wanted)))
        if frame.height:
            parts.append(HouseholdFacts(frame, found.unavailable, found.sources))
    missing = wanted - {c for p in parts for c in p.frame["household"].to_list()}
    if missing or not parts:
        parts.append(filled_facts(session, year, None, sorted(missing)))
    frame = pl.concat([p.frame for p in parts], how="vertical")
    unavailable = {k: v for p in parts for k, v in p.unavailable.items()}
    sources = {k: v for p in parts for k, v in p.sources.items()}
    return HouseholdFacts(frame, unavailable, sources)
