"""Per row a pointer into a table of candidate classifications, and the level that put it there.

Why pointers: a classification is five strings, and 30 million rows times five strings is
gigabytes. Most sources give the same answer to many rows (every leefgeld transfer has the same
ketenpartner, rubriek and reason; every payment to one counterparty the same name), so a source
adds each distinct answer once to the table and points its rows at it. The five output columns
are gathered once, at the end (:meth:`Picks.result`).

The levels say which source is stronger (see :mod:`budget.classify`): a source may only
(re)classify rows whose current level is lower than its own.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

OUT: Final = ("ketenpartner", "rubriek", "regeling", "rule_id", "reason")
Index = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

LEVEL_RULE_TX, LEVEL_RULE_IBAN, LEVEL_RULE_NAME = 8, 7, 6
LEVEL_OWN, LEVEL_REGISTRY, LEVEL_LEEFGELD, LEVEL_NAME_LIST, LEVEL_TEXT = 5, 4, 3, 2, 1


def as_strings(values: pl.DataFrame) -> pl.DataFrame:
    """The output columns of a candidate frame as plain strings (rubriek included)."""
    return values.select(pl.col(c).cast(pl.String) for c in OUT)


class Picks:
    """Per row of one chunk: which candidate classifies it (``choice``) and its ``level``.

    ``base`` holds the candidates shared by all chunks (one per pair, and the fixed answers);
    candidates a chunk computes itself are appended after it.
    """

    def __init__(self, base: pl.DataFrame, choice: Index, level: npt.NDArray[np.int8]) -> None:
        self._frames = [base]
        self._size = base.height
        self.choice = choice
        self.level = level

    def open(self, mask: Mask, level: int) -> Index:
        """Rows in ``mask`` that a source of ``level`` may still (re)classify."""
        return np.flatnonzero(mask & (self.level < level)).astype(np.int64)

    def point(self, idx: Index, level: int, candidate: Index | int) -> None:
        """Point ``idx`` at existing candidates (one per row, or one for all)."""
        self.choice[idx] = candidate
        self.level[idx] = level

    def add(self, idx: Index, level: int, values: pl.DataFrame, which: Index | None = None) -> None:
        """Append ``values`` as candidates; row ``idx[k]`` takes ``values[which[k]]``
        (``values[k]`` without ``which``)."""
        if len(idx) == 0:
            return
        if which is None:
            assert values.height == len(idx)
            which = np.arange(len(idx), dtype=np.int64)
        self._frames.append(as_strings(values))
        self.point(idx, level, self._size + which)
        self._size += values.height

    def _table(self) -> pl.DataFrame:
        if len(self._frames) > 1:
            self._frames = [pl.concat(self._frames, rechunk=True)]
        return self._frames[0]

    def current(self, idx: Index) -> pl.DataFrame:
        return self._table()[self.choice[idx]]

    def has_rubriek(self, idx: Index, rubriek: str) -> Mask:
        """Whether the current candidate of each row of ``idx`` has ``rubriek``: one test per
        candidate, then a lookup per row (no row gathers the candidate's five columns)."""
        column = self._table().get_column("rubriek")
        per_candidate = (column == rubriek).fill_null(False).to_numpy().astype(np.bool_)
        found: Mask = per_candidate[self.choice[idx]]
        return found

    def result(self, rubriek_dtype: pl.DataType) -> pl.DataFrame:
        """The five columns per row; the rubriek is cast on the (small) table, not per row."""
        table = self._table().with_columns(pl.col("rubriek").cast(rubriek_dtype))
        return table[self.choice]


def distinct(values: Index) -> tuple[Index, Index]:
    """The sorted distinct values and, per element, the position of its value among them."""
    unique, which = np.unique(values, return_inverse=True)
    return unique.astype(np.int64), which.astype(np.int64).reshape(-1)


def mask_of(frame: pl.DataFrame, expr: pl.Expr) -> Mask:
    """A boolean expression over ``frame`` as a numpy mask, null counting as false."""
    return frame.select(expr.fill_null(False)).to_series().to_numpy().astype(np.bool_)


def has_words(text: pl.Series, words: tuple[str, ...]) -> Mask:
    """Whether each text contains one of ``words`` (ASCII case-insensitive), null as false."""
    found = text.str.contains_any(list(words), ascii_case_insensitive=True)
    return found.fill_null(False).to_numpy().astype(np.bool_)


def scan(text: pl.Series, rows: Index, words: tuple[str, ...]) -> Index:
    """The rows of ``rows`` whose text contains one of ``words``: the Aho-Corasick scan runs on
    those rows only, not on the whole column."""
    if not len(rows):
        return rows
    return rows[has_words(text.gather(rows), words)]


def distinct_rows_by_join(keys: pl.DataFrame) -> tuple[pl.DataFrame, Index]:
    """:func:`distinct_rows` by ``unique`` and a join: the path for columns that cannot be
    packed, and the reference the packed path is tested against."""
    unique = keys.unique(maintain_order=True)
    joined = keys.join(
        unique.with_row_index("_c"),
        on=keys.columns,
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return unique, joined.get_column("_c").to_numpy().astype(np.int64)


def distinct_rows(keys: pl.DataFrame) -> tuple[pl.DataFrame, Index]:
    """The distinct rows of ``keys`` (first seen first) and, per row, its position among them.

    Null equals null, as in ``unique``. Many rows: each column becomes a number per row
    (integers and booleans offset from their minimum, strings a categorical code, 0 for null),
    and the row one number that packs them; the distinct rows and each row's place are then
    found on one integer column. Few rows, columns of other types, or numbers too wide to pack
    take the frame path (``unique`` and a join)."""
    packed = _packed(keys) if keys.height >= PACK_ROWS else None
    if packed is None:
        return distinct_rows_by_join(keys)
    number = pl.Series(packed)
    first = np.flatnonzero(number.is_first_distinct().to_numpy())
    places = pl.int_range(0, len(first), dtype=pl.Int64, eager=True)
    which: Index = number.replace_strict(number.gather(first), places).to_numpy().astype(np.int64)
    return keys[first], which


PACK_ROWS = 1 << 14
"""Fewer rows than this take the frame path: packing costs about 0.5 ms per call (a few polars
calls per column) against 0.2 ms for ``unique`` and ``join``, and saves some 0.035 µs a row
(measured: 92 000 rows of registry keys 10.3 ms by frame, 7.3 ms packed)."""
PACK_LIMIT = 1 << 63
"""Packed numbers stay below this (they are unsigned 64-bit)."""


def _packed(keys: pl.DataFrame) -> npt.NDArray[np.uint64] | None:
    """One number per row of ``keys``, equal exactly when the rows are equal (see
    :func:`distinct_rows`); None when a column is not an integer, boolean or string column or
    the packed numbers would not fit in 63 bits."""
    packed = np.zeros(keys.height, dtype=np.uint64)
    size = 1
    for column in keys.get_columns():
        dtype = column.dtype
        if dtype == pl.String:
            values = column.cast(pl.Categorical(pl.Categories.random())).to_physical()
            array = (values + 1).fill_null(0).to_numpy().astype(np.uint64)
        elif (dtype == pl.Boolean or dtype.is_integer()) and not column.has_nulls():
            plain = column.to_numpy().astype(np.int64)
            array = (plain - (plain.min() if len(plain) else 0) + 1).astype(np.uint64)
        elif dtype == pl.Boolean or dtype.is_integer():
            values = column.cast(pl.Int64)
            low = values.min()
            codes = (values - (low if isinstance(low, int) else 0) + 1).fill_null(0)
            array = codes.to_numpy().astype(np.uint64)
        else:
            return None
        width = int(array.max()) + 1 if len(array) else 1
        if size * width >= PACK_LIMIT:
            return None
        packed = packed * np.uint64(width) + array
        size *= width
    return packed
