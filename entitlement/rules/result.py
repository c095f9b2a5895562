"""The engine's outputs kept compact: per regeling a small table of distinct rows and a row index.

Most of what the engine computes is the same for many household-months: a household whose inputs
do not change within a parameter state (all months with the same parameter versions) has one
value per step and state, not one per month, and every household-month outside a municipal
scheme, or outside the period of a regeling, has the same (empty) result. So per regeling the
engine keeps a :class:`Table`: the step, status, reason and amount values of its distinct rows
(one per household and state, one per household-month where an input changes within a state, and
three shared rows for *buiten periode*, *andere gemeente* and *gemeente onbekend*), and for every
household-month the row of the table that holds its values (:class:`RowIndex`: for a frame in
household order kept per household, its first row and whether its months map to one row each or
one per state, plus the months set apart; the full per-row array is built only when asked for).

Every step is still kept for every household-month: :meth:`Evaluation.row` reads one
household-month with every step of every regeling (what ``hhb explain`` and the dashboard's "Hoe is
dit berekend?" need), :meth:`Table.expand` one step for all rows, and :meth:`Evaluation.frame`
spreads everything over the input frame (what :func:`entitlement.rules.engine.evaluate` returns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl

from entitlement.rules.model import Regeling
from entitlement.rules.plan import BIT_GEMEENTE, BIT_MISSING, BIT_PERIOD, Code

# The shared rows at the top of every table, and the status and reasons each stands for.
ROW_PERIOD, ROW_ELSEWHERE, ROW_UNKNOWN_PLACE = 0, 1, 2
SHARED_STATUS = np.array(
    [Code.NIET_BEREKEND, Code.NIET_VAN_TOEPASSING, Code.NIET_BEREKEND], dtype=np.uint8
)
SHARED_REASONS = np.array([BIT_PERIOD, BIT_GEMEENTE, BIT_MISSING], dtype=np.uint32)


class Outcome(StrEnum):
    """The status of a household-month for a regeling (in the order of :class:`Code`)."""

    RECHT = "recht"
    GEEN_RECHT = "geen_recht"
    NIET_VAN_TOEPASSING = "niet_van_toepassing"
    NIET_BEREKEND = "niet_berekend"


OUTCOMES = tuple(Outcome)
OUTCOME_DTYPE = pl.Enum([o.value for o in OUTCOMES])
_LABELS = pl.Series("status", [o.value for o in OUTCOMES], dtype=OUTCOME_DTYPE)

Val = tuple[np.ndarray, np.ndarray | None]


def column(regeling: str, name: str) -> str:
    """The output column of step or result ``name`` of ``regeling``."""
    return f"{regeling}.{name}"


def with_nulls(name: str, values: np.ndarray, mask: np.ndarray | None) -> pl.Series:
    """A column of ``values`` with nulls where ``mask`` (values are not copied)."""
    if mask is None or not mask.any():
        return pl.Series(name, values)
    return pl.Series(name, np.ma.masked_array(values, mask))


Alloc = Callable[[int, Any], np.ndarray]  # (length, dtype) -> a fresh array


@dataclass(frozen=True)
class Indexed:
    """A step as another regeling reads it: values per distinct row, and each row's place.

    Blocks gather only the household-months (or, compressed, the representative months) they
    read; whether a household's value is constant within a state is judged on ``index``.
    """

    values: np.ndarray
    missing: np.ndarray | None
    index: np.ndarray

    def subset(self, rows: np.ndarray) -> Indexed:
        return Indexed(self.values, self.missing, self.index[rows])

    def take(self, rows: slice | np.ndarray) -> Val:
        where = self.index[rows]
        return self.values[where], None if self.missing is None else self.missing[where]

    def view(
        self, rows: slice, u: int, reps: np.ndarray | None, at: np.ndarray | None = None
    ) -> Val:
        """As :func:`entitlement.rules.layout.view`: (households, U), or (households, S)."""
        if at is None:
            where = self.index[rows].reshape(-1, u)
            if reps is not None:
                where = where[:, reps]
        else:
            where = self.index.take(at)
        return self.values[where], None if self.missing is None else self.missing[where]


class RowIndex:
    """Per household-month, the row of a :class:`Table` that holds its values.

    Either a full array, or, for a frame in household order (U months each), per household its
    first row and which month map applies: none (all months on the same row: the household was
    not computed, or lives elsewhere), one row per month, or one row per parameter state
    (``state_of``); plus the rows set apart (months in another or an unknown municipality). The
    full array (4 bytes per household-month) is only built when something asks for all of it.
    """

    def __init__(
        self,
        full: np.ndarray | None = None,
        *,
        first: np.ndarray | None = None,
        map_of: np.ndarray | None = None,
        maps: np.ndarray | None = None,
        fix_rows: np.ndarray | None = None,
        fix_values: np.ndarray | None = None,
    ) -> None:
        self._full = full
        self.first, self.map_of, self.maps = first, map_of, maps
        self.fix_rows, self.fix_values = fix_rows, fix_values

    @classmethod
    def per_household(cls, households: int, u: int, dtype: Any, alloc: Alloc) -> RowIndex:
        """Every household on row 0 (:data:`ROW_PERIOD`) until :meth:`place` puts it."""
        maps = np.zeros((3, u), dtype=dtype)  # 0: no map, 1: per month, 2: per state
        maps[1] = np.arange(u)
        return cls(first=alloc(households, dtype), map_of=alloc(households, np.uint8), maps=maps)

    def place(self, households: slice | np.ndarray, first: np.ndarray, states: Any) -> None:
        """Households computed from row ``first`` on: per month, or per state (``states``)."""
        assert self.first is not None and self.map_of is not None and self.maps is not None
        self.first[households] = first
        if states is None:
            self.map_of[households] = 1
        else:
            self.maps[2] = states
            self.map_of[households] = 2

    def array(self) -> np.ndarray:
        """The row of every household-month (built once)."""
        if self._full is None:
            assert self.first is not None and self.map_of is not None and self.maps is not None
            full = self.maps[self.map_of]
            full += self.first[:, None]
            self._full = full.reshape(-1)
            if self.fix_rows is not None and self.fix_values is not None:
                self._full[self.fix_rows] = self.fix_values
        return self._full

    def at(self, i: int) -> int:
        """The row of household-month ``i``, without building the full array."""
        if self._full is not None:
            return int(self._full[i])
        assert self.first is not None and self.map_of is not None and self.maps is not None
        u = self.maps.shape[1]
        if i < 0:
            i += self.first.size * u
        if self.fix_rows is not None and self.fix_values is not None:
            k = int(np.searchsorted(self.fix_rows, i))
            if k < self.fix_rows.size and int(self.fix_rows[k]) == i:
                return int(self.fix_values[k])
        h, m = divmod(i, u)
        return int(self.first[h]) + int(self.maps[int(self.map_of[h]), m])


@dataclass
class Table:
    """One regeling's outputs: values per distinct row, and the row of every household-month."""

    regeling: Regeling
    rows: RowIndex  # per household-month (input row), the row of the arrays below
    steps: dict[str, np.ndarray]  # Float64 (euros) or bool per distinct row
    missing: dict[str, np.ndarray]  # per step, rows without a value (absent: none)
    status: np.ndarray  # uint8, :class:`Code`
    reasons: np.ndarray  # uint32 bit mask
    month_cents: np.ndarray  # int64, 0 unless recht
    year_cents: np.ndarray | None

    @property
    def index(self) -> np.ndarray:
        """Per household-month, the row of the arrays (see :class:`RowIndex`)."""
        return self.rows.array()

    @property
    def size(self) -> int:
        """The number of distinct rows (the household-months are ``index.size``)."""
        return int(self.status.size)

    def expand(self, step: str) -> Val:
        """One step over all household-months: values and a missing mask (None: none missing)."""
        values = self.steps[step][self.index]
        mask = self.missing.get(step)
        if mask is None:
            return values, None
        full = mask[self.index]
        return values, full if full.any() else None

    def indexed(self, step: str) -> Indexed:
        """One step for another regeling to read (missing None when no household-month is)."""
        mask: np.ndarray | None = self.missing.get(step)
        if mask is not None and not mask[len(SHARED_STATUS) :].any():
            mask = mask if bool((self.index < len(SHARED_STATUS)).any()) else None
        return Indexed(self.steps[step], mask, self.index)

    def columns(self, alloc: Alloc | None = None) -> list[pl.Series]:
        """The output columns: over the distinct rows, or with ``alloc`` over every
        household-month (gathered through ``index`` into arrays from ``alloc``)."""
        name = self.regeling.name
        index = self.index if alloc is not None else None
        shared = len(SHARED_STATUS)
        shared_used = index is not None and bool((index < shared).any())

        def spread(values: np.ndarray) -> np.ndarray:
            if index is None or alloc is None:
                return values
            return np.take(values, index, out=alloc(index.size, values.dtype), mode="clip")

        def nulls(mask: np.ndarray | None) -> np.ndarray | None:
            if mask is None or index is None:
                return mask
            if not shared_used and not mask[shared:].any():
                return None
            full: np.ndarray = mask[index]
            return full

        out = [
            with_nulls(column(name, step), spread(values), nulls(self.missing.get(step)))
            for step, values in self.steps.items()
        ]
        status = spread(self.status)
        not_computed = status == Code.NIET_BEREKEND
        out.append(with_nulls(column(name, "recht"), status == Code.RECHT, not_computed))
        out.append(_LABELS.gather(pl.Series(status)).alias(column(name, "status")))
        out.append(pl.Series(column(name, "redenen"), spread(self.reasons)))
        cents = spread(self.month_cents)
        out.append(with_nulls(column(name, "bedrag_maand_cents"), cents, not_computed))
        if self.year_cents is not None:
            year = spread(self.year_cents)
            out.append(with_nulls(column(name, "bedrag_jaar_cents"), year, not_computed))
        return out


@dataclass
class Evaluation:
    """The input frame and, per regeling, its :class:`Table` with every step kept."""

    inputs: pl.DataFrame
    tables: dict[str, Table]

    def __post_init__(self) -> None:
        self._frames: dict[str, pl.DataFrame] = {}

    @property
    def height(self) -> int:
        return self.inputs.height

    def table(self, regeling: str) -> pl.DataFrame:
        """The distinct rows of one regeling as a frame (the columns of the full output)."""
        found = self._frames.get(regeling)
        if found is None:
            found = self._frames[regeling] = pl.DataFrame(self.tables[regeling].columns())
        return found

    def row(self, i: int) -> dict[str, Any]:
        """Household-month ``i`` with every output column, as ``evaluate(...).row(i,
        named=True)`` gives it: what :func:`entitlement.rules.explain.explain` reads."""
        out: dict[str, Any] = self.inputs.row(i, named=True)
        for name, table in self.tables.items():
            out.update(self.table(name).row(table.rows.at(i), named=True))
        return out

    def frame(self) -> pl.DataFrame:
        """The input frame with every output column spread over all household-months: per
        regeling one gather of its distinct rows (:meth:`table`) by the row index."""
        spread = [
            self.table(name).gather(pl.Series(table.index)) for name, table in self.tables.items()
        ]
        columns = [c for part in spread for c in part.get_columns()]
        return self.inputs.hstack(columns) if columns else self.inputs
