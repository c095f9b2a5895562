"""Parameter values per month: the version in force on the first day of each distinct month.

A frame of 200 000 households x 12 months has only 12 distinct months, so every parameter is
resolved once per distinct month (a length-U array) and rows pick theirs through a month index.
A period marked *niet gevonden*, or not covered by any version, gives a missing value: the engine
then reports "parameter niet gevonden" for the rows of that month instead of a number.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from entitlement.rules.errors import InputError
from entitlement.rules.model import Band, Parameter

EPOCH = dt.date(1970, 1, 1)
FloatArray = np.ndarray
BoolArray = np.ndarray


@dataclass(frozen=True)
class Months:
    """The distinct months of a frame and, per row, the index of its month."""

    dates: tuple[dt.date, ...]
    index: np.ndarray  # int32 per row, into ``dates``
    years: FloatArray  # per distinct month, for the names ``jaar`` ...
    numbers: FloatArray  # ... and ``maand``

    @property
    def single(self) -> int | None:
        return 0 if len(self.dates) == 1 else None


def months_of(column: pl.Series) -> Months:
    """Index the ``month`` column (first days of months) without sorting 2.4M rows."""
    if column.dtype != pl.Date:
        raise InputError(f"kolom 'month' moet een datum zijn (is {column.dtype})")
    if column.null_count():
        raise InputError("kolom 'month' heeft lege waarden")
    if column.len() == 0:
        return Months((), np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
    days = column.to_physical().to_numpy().astype(np.int32, copy=False)
    low, high = int(days.min()), int(days.max())
    if high - low > 200_000:
        raise InputError("kolom 'month' beslaat meer dan 500 jaar; controleer de datums")
    present = np.zeros(high - low + 1, dtype=bool)
    present[days - low] = True
    offsets = np.flatnonzero(present)
    lookup = np.cumsum(present, dtype=np.int32) - 1
    index = lookup[days - low]
    dates = tuple(EPOCH + dt.timedelta(days=int(low + o)) for o in offsets)
    for day in dates:
        if day.day != 1:
            raise InputError(f"kolom 'month' bevat {day}; gebruik de eerste dag van de maand")
    return Months(
        dates,
        index,
        np.array([d.year for d in dates], dtype=np.float64),
        np.array([d.month for d in dates], dtype=np.float64),
    )


def scalar_values(param: Parameter, dates: tuple[dt.date, ...]) -> tuple[FloatArray, BoolArray]:
    """Value per distinct month (0.0 where missing) and the missing flags."""
    values = np.zeros(len(dates))
    missing = np.zeros(len(dates), dtype=bool)
    for u, day in enumerate(dates):
        version = param.version_on(day)
        if version is None or version.value is None:
            missing[u] = True
        else:
            values[u] = version.value
    return values, missing


@dataclass(frozen=True)
class TableValues:
    """An age table per month, cut into the elementary age intervals of all its versions.

    ``values[u, k]`` is the amount for ages ``intervals[k]`` in month ``u`` (0 where no band
    covers them); ``tabel(T, x)`` and ``som_kinderen(T)`` become a sum over a few intervals.
    """

    intervals: tuple[tuple[int, int], ...]
    values: FloatArray  # (U, K)
    missing: BoolArray  # (U,)


def table_values(param: Parameter, dates: tuple[dt.date, ...]) -> TableValues:
    cuts: set[int] = set()
    for pv in param.versions:
        for b in pv.bands:
            cuts.update((b.low, b.high + 1))
    points = sorted(cuts)
    candidates = list(itertools.pairwise(points))
    covered = [
        (low, nxt - 1)
        for low, nxt in candidates
        if any(b.low <= low and nxt - 1 <= b.high for v in param.versions for b in v.bands)
    ]
    values = np.zeros((len(dates), len(covered)))
    missing = np.zeros(len(dates), dtype=bool)
    for u, day in enumerate(dates):
        version = param.version_on(day)
        if version is None or not version.bands:
            missing[u] = True
            continue
        for k, (low, high) in enumerate(covered):
            band = band_for(version.bands, low)
            if band is not None and high <= band.high:
                values[u, k] = band.value
    return TableValues(tuple(covered), values, missing)


def band_for(bands: tuple[Band, ...], age: float) -> Band | None:
    """The band holding ``age`` (whole years; a fraction counts as the year it is in)."""
    whole = int(np.floor(age))
    return next((b for b in bands if b.low <= whole <= b.high), None)
