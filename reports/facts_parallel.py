"""The facts refresh on several cores: households in parts, each part filled by a worker process.

Filling the facts costs tens of milliseconds per household (the budget, the signals and the rules
of every household), nearly all of it Python in one process, so a refresh of a large
municipality uses one core while the machine has more. :func:`compute_parallel` splits the
households (in the order :func:`reports.facts.build_facts` gives them) into parts of ``part``
households and lets ``processes`` worker processes (``spawn``: nothing of the caller's state is
shared) fill one part at a time, each through its own engine on the same database URL and
:func:`filled_facts`, the same calls the one-process run makes. The parts come back in order and
are put together in the calling process, which alone writes the snapshots and the audit event
(:func:`reports.facts_snapshot.refresh`).

Every household's facts depend on that household's data only, so the combined frame equals the
one-process frame row for row (a test compares them on SQLite and PostgreSQL). The workers read
what is committed: uncommitted changes in the caller's session are not seen.

When a part fails, the worker tries its households one by one to name the one that fails; the
run then stops with :class:`FactsRunError` (one line, in Dutch) and the caller keeps nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Final, NamedTuple

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from reports.facts import HouseholdFacts, build_facts, validate
from reports.facts_budget import fill_budget
from reports.facts_regelingen import fill_regelingen
from store.db import make_engine
from store.households import ConflictError
from store.models import Household

PART: Final = 500
"""Households per worker task: the regelingen chunk (:data:`reports.facts_regelingen_batch.CHUNK`),
small enough that the parts spread evenly over the workers and a failure is found quickly."""


class FactsRunError(ConflictError):
    """A household's stored data cannot be turned into facts; message for the user."""


def default_processes() -> int:
    """2, or 1 on a machine with one core (the CPUs this process may use)."""
    return min(2, len(os.sched_getaffinity(0)))


def filled_facts(
    session: Session,
    year: int,
    municipality: str | None,
    households: Sequence[str] | None = None,
) -> HouseholdFacts:
    """The facts of ``year`` built and filled: households, income, leefgeld and signals,
    regelingen and clawbacks (of ``households`` only, if given)."""
    facts = build_facts(session, year, municipality, households=households)
    if facts.frame.height:
        facts, _ = fill_budget(session, facts)
        facts, _ = fill_regelingen(session, facts)
    return facts


class _Task(NamedTuple):
    year: int
    municipality: str | None
    codes: list[str]


class _Done(NamedTuple):
    frame: pl.DataFrame
    unavailable: dict[str, str]
    sources: dict[str, str]


class _Failed(NamedTuple):
    household: str | None  # None: no single household fails on its own
    first: str
    last: str
    error: str


_engine: Engine | None = None


def _start(url: str) -> None:
    """Worker start: one engine for the life of the process."""
    global _engine
    _engine = make_engine(url)


def _part(task: _Task) -> _Done | _Failed:
    """Fill one part (in a worker); a failure is returned, not raised, so that any exception,
    picklable or not, reaches the caller as text."""
    assert _engine is not None, "worker started without an engine"
    try:
        with Session(_engine) as session:
            facts = filled_facts(session, task.year, task.municipality, task.codes)
        return _Done(facts.frame, dict(facts.unavailable), dict(facts.sources))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        for code in task.codes:
            try:
                with Session(_engine) as session:
                    filled_facts(session, task.year, task.municipality, [code])
            except Exception as alone:
                error = f"{type(alone).__name__}: {alone}".splitlines()[0]
                return _Failed(code, task.codes[0], task.codes[-1], error)
        return _Failed(None, task.codes[0], task.codes[-1], error)


def _failure(year: int, failed: _Failed) -> FactsRunError:
    who = (
        f"huishouden {failed.household}"
        if failed.household is not None
        else f"een huishouden van {failed.first} t/m {failed.last}"
    )
    return FactsRunError(
        f"de feiten van {year} zijn niet berekend: {who} gaf een fout ({failed.error}); "
        "er is niets bewaard. Controleer de gegevens van dit huishouden."
    )


def household_codes(session: Session) -> list[str]:
    """Every household code in the order :func:`reports.facts.build_facts` reads them."""
    return list(session.scalars(select(Household.code).order_by(Household.id)))


def shareable_url(session: Session) -> str | None:
    """The database URL a worker can open (with password), or None when another process
    cannot reach this database (SQLite in memory)."""
    bind = session.get_bind()
    url = bind.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def compute_parallel(
    session: Session,
    year: int,
    municipality: str | None,
    processes: int,
    *,
    part: int | None = None,
) -> tuple[HouseholdFacts, float]:
    """:func:`filled_facts` of every household of ``year`` (in ``municipality``, if given) by
    ``processes`` worker processes, ``part`` households per task (default :data:`PART`), and
    the seconds it took. With one process, one part, or a database only this process can reach
    (SQLite in memory): in this process."""
    start = time.perf_counter()
    codes = household_codes(session)
    part = part or PART
    tasks = [_Task(year, municipality, codes[i : i + part]) for i in range(0, len(codes), part)]
    url = shareable_url(session)
    if processes <= 1 or len(tasks) <= 1 or url is None:
        return filled_facts(session, year, municipality), time.perf_counter() - start
    done: list[_Done] = []
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        min(processes, len(tasks)), mp_context=context, initializer=_start, initargs=(url,)
    )
    try:
        futures: list[Future[_Done | _Failed]] = [pool.submit(_part, t) for t in tasks]
        for future in futures:
            result = future.result()
            if isinstance(result, _Failed):
                raise _failure(year, result)
            done.append(result)
    except BrokenProcessPool as exc:
        raise FactsRunError(
            f"de feiten van {year} zijn niet berekend: een rekenproces stopte onverwacht "
            "(te weinig geheugen?); er is niets bewaard. Probeer het met --processes 1."
        ) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return _combine(done), time.perf_counter() - start


def _combine(parts: Sequence[_Done]) -> HouseholdFacts:
    """The parts' frames in order; what is unavailable and the sources are those of a filled
    part (every filled part has the same), or of an empty one when no household took part."""
    filled = [p for p in parts if p.frame.height] or list(parts[:1])
    frame = pl.concat([p.frame for p in parts], how="vertical")
    validate(frame)
    return HouseholdFacts(frame, filled[0].unavailable, filled[0].sources)
