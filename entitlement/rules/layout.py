"""How a block of rows is laid out for evaluation, and the months that can share one computation.

Frames arrive household by household, U consecutive months each (how a store query returns them).
Such a block is viewed as (households, U), so a per-month parameter of shape (U,) broadcasts over
the rows instead of being gathered row by row.

Many months of one regeling have exactly the same parameters (the zorgtoeslag figures hold for a
calendar year, bijstand norms for half a year), and a household's inputs often do not change from
month to month either (the yearly toetsingsinkomen, rent, composition). When both hold, the months
with equal parameters form one *state* and are computed once: the block becomes (households, S)
with S the number of states, and every result is spread back over the U months when it is stored.
Results are identical to the uncompressed computation (same inputs, same parameters, same
operations); the engine checks each block and falls back when an input does change within a state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import numpy as np

from entitlement.rules.expr import refs
from entitlement.rules.model import Regeling
from entitlement.rules.params import Months
from entitlement.rules.vector import Val


def is_tiled(mi: np.ndarray, u: int) -> bool:
    """Rows are whole runs of the U months in order (month index 0..U-1 repeating)."""
    return (
        u > 1
        and mi.size % u == 0
        and bool((mi.reshape(-1, u) == np.arange(u, dtype=mi.dtype)).all())
    )


def month_states(
    regeling: Regeling,
    dates: tuple[dt.date, ...],
    calendar: set[str],
    dependencies: Iterable[Regeling] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Representative month per state, and the state of every month.

    Two months share a state when every parameter of the regeling has the same version in both
    (and, if the formulas use ``jaar`` or ``maand``, those are equal too); likewise for the
    regelingen whose steps it reads (kwijtschelding reads the bijstand norm, which changes in
    July even where kwijtschelding's own parameters do not).
    """
    sources = [(regeling, calendar)] + [(d, _calendar(d)) for d in dependencies]
    keys: dict[tuple[object, ...], int] = {}
    reps: list[int] = []
    state_of = np.zeros(len(dates), dtype=np.intp)
    for u, day in enumerate(dates):
        key: tuple[object, ...] = (regeling.version_on(day) is not None,)
        for source, uses in sources:
            key += tuple(id(param.version_on(day)) for param in source.parameters.values())
            if source is not regeling:
                key += (id(source.version_on(day)),)
            if "jaar" in uses:
                key += (day.year,)
            if "maand" in uses:
                key += (day.month,)
        if key not in keys:
            keys[key] = len(reps)
            reps.append(u)
        state_of[u] = keys[key]
    return np.array(reps, dtype=np.intp), state_of


def _calendar(regeling: Regeling) -> set[str]:
    """``jaar`` and ``maand`` if any formula of ``regeling`` uses them."""
    return {
        node.name
        for version in regeling.versions
        for expr in [s.expr for s in version.steps] + [c.expr for c in version.conditions]
        for node in refs(expr)
        if node.regeling is None and node.name in ("jaar", "maand")
    }


def representatives(months: Months, reps: np.ndarray) -> Months:
    """The months of one representative per state (for the per-month parameter values)."""
    return dataclasses.replace(
        months,
        dates=tuple(months.dates[int(r)] for r in reps),
        index=np.zeros(0, dtype=np.int32),
        years=months.years[reps],
        numbers=months.numbers[reps],
    )


def _grid(arr: np.ndarray, rows: slice, u: int) -> np.ndarray:
    return arr[rows].reshape(-1, u)


class Constancy:
    """Per array and month mapping, which households are constant within every state.

    Each array is compared row with previous row once and the result shared by every regeling
    and block that reads it (the same inputs feed all regelingen); in the usual case nothing
    changes within any household and every mapping is settled at once. Otherwise a mapping
    whose states are runs of consecutive months only looks at the changes inside its runs.
    """

    def __init__(self) -> None:
        # per array: (array, changes as (households, U - 1) or None when there are none)
        self._changes: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self._found: dict[tuple[int, bytes], tuple[np.ndarray, np.ndarray]] = {}
        self._tiled: dict[tuple[int, int], tuple[np.ndarray, bool]] = {}

    def tiled(self, mi: np.ndarray, u: int) -> bool:
        """:func:`is_tiled`, checked once per month index (every regeling reads the same)."""
        hit = self._tiled.get((id(mi), u))
        if hit is None or hit[0] is not mi:
            hit = self._tiled[(id(mi), u)] = (mi, is_tiled(mi, u))
        return hit[1]

    def _changed(self, arr: np.ndarray, u: int) -> np.ndarray | None:
        hit = self._changes.get(id(arr))
        if hit is not None and hit[0] is arr:
            return hit[1]
        if arr.size == 0:
            return None
        if not _changes_anywhere(arr, u):  # the usual case, found without a full-size array
            self._changes[id(arr)] = (arr, None)
            return None
        flat = np.empty(arr.size, dtype=bool)
        flat[0] = False
        np.not_equal(arr[1:], arr[:-1], out=flat[1:])
        inside = flat.reshape(-1, u)[:, 1:]  # month m against month m - 1, same household
        changes = inside if bool(inside.any()) else None
        self._changes[id(arr)] = (arr, changes)  # keeps ``arr`` alive: its id is not reused
        return changes

    def households(self, arr: np.ndarray, u: int, rep_of_month: np.ndarray) -> np.ndarray:
        key = (id(arr), rep_of_month.tobytes())
        hit = self._found.get(key)
        if hit is not None and hit[0] is arr:
            return hit[1]
        months = np.arange(u)
        inner = rep_of_month[1:] != months[1:]  # month m shares its state with an earlier one
        runs = bool((rep_of_month[1:][inner] == rep_of_month[:-1][inner]).all())
        if runs:  # states are runs of months: constant means no change inside a run
            changes = self._changed(arr, u)
            if changes is None or not inner.any():
                ok: np.ndarray = np.ones(arr.size // u, dtype=bool)
            else:
                ok = np.logical_not(changes[:, np.flatnonzero(inner)].any(axis=1))
        else:
            grid = arr.reshape(-1, u)
            ok = np.asarray((grid == grid[:, rep_of_month]).all(axis=1))
        self._found[key] = (arr, ok)
        return ok


def positions(households: np.ndarray, rows: slice, u: int, reps: np.ndarray | None) -> np.ndarray:
    """The frame rows a block reads when its ``rows`` are rows of ``households`` (household
    numbers of a frame in household order, U months each): (households, U), or (households, S)
    for the months in ``reps``."""
    chosen = households[rows.start // u : rows.stop // u]
    months = np.arange(u) if reps is None else reps
    where: np.ndarray = chosen[:, None] * u + months[None, :]
    return where


_SCAN_HOUSEHOLDS = 1 << 12  # households compared at a time (a few cache-sized arrays)


def _changes_anywhere(arr: np.ndarray, u: int) -> bool:
    """Whether any household's value differs from one month to the next (in parts, so the
    comparison reuses one small buffer instead of writing a fresh array the frame's size)."""
    step = _SCAN_HOUSEHOLDS * u
    scratch = np.empty(min(step, arr.size), dtype=bool)
    for start in range(0, arr.size, step):
        part = arr[start : start + step]
        out = scratch[: part.size - 1]
        np.not_equal(part[1:], part[:-1], out=out)  # out[j]: row j + 1 against row j
        # changes between households (row j + 1 starts one) do not count
        if np.count_nonzero(out) > np.count_nonzero(out[u - 1 :: u]):
            return True
    return False


def constant_within(
    values: Iterable[Val],
    rows: slice,
    u: int,
    rep_of_month: np.ndarray,
    cache: Constancy | None = None,
    households: np.ndarray | None = None,
) -> bool:
    """Every value equals, in every month, its value in the state's representative month.

    With ``households`` the values cover every household and ``rows`` are rows of the
    households listed there (U each), as for :func:`view`.
    """
    for value, mask in values:
        for arr in (value, mask):
            if not isinstance(arr, np.ndarray):
                continue
            part = slice(rows.start // u, rows.stop // u)
            if cache is not None and arr.size % u == 0:
                ok = cache.households(arr, u, rep_of_month)
                if not bool((ok[part] if households is None else ok[households[part]]).all()):
                    return False
                continue
            if households is None:
                grid = _grid(arr, rows, u)
            else:
                grid = arr.reshape(-1, u).take(households[part], axis=0)
            if not bool((grid == grid[:, rep_of_month]).all()):
                return False
    return True


def view(
    val: Val,
    rows: slice,
    u: int,
    reps: np.ndarray | None,
    where: np.ndarray | None = None,
) -> Val:
    """A value of the rows in ``rows`` as (households, U), or (households, S) when compressed.

    With ``where`` (see :func:`positions`) the value covers the whole frame and only the
    positions a block reads are gathered, instead of first gathering a subset of the frame.
    """
    out = []
    for arr in val:
        if not isinstance(arr, np.ndarray):
            out.append(arr)
            continue
        if where is not None:
            out.append(arr.take(where))
            continue
        grid = _grid(arr, rows, u)
        if reps is None:
            out.append(grid)
        elif reps.size == 1:
            out.append(grid[:, int(reps[0]) : int(reps[0]) + 1])
        else:
            out.append(grid[:, reps])
    return out[0], out[1]
