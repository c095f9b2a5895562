"""Expected dates of series: the same dates the recurring detector calls on time."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.recurring_core import CAL, P, coordinate_to_day, month_coordinate
from budget.schedule import expected_days, month_index, step

EPOCH_2024 = 19723  # 2024-01-01


@settings(max_examples=60, deadline=None)
@given(
    kind=st.integers(0, 4),
    d1=st.integers(EPOCH_2024 - 800, EPOCH_2024 + 800),
    n=st.integers(-30, 30),
)
def test_dates_agree_with_the_detector(kind: int, d1: int, n: int) -> None:
    k, d = np.array([kind]), np.array([d1])
    base = month_coordinate(d) if CAL[kind] else d.astype(np.float64)
    detector = int(coordinate_to_day(base + n * P[kind], CAL[k])[0])
    mine = int(step(k, d, n)[0])
    if CAL[kind]:  # the calendar scale rounds halves its own way: at most a day apart
        assert abs(mine - detector) <= 1
        assert month_index(np.array([mine]))[0] == month_index(d)[0] + n * (1, 3, 12)[kind - 2]
    else:
        assert mine == detector == d1 + n * (7, 28)[kind]


def test_a_window_lists_every_date_once_in_order() -> None:
    kind = np.array([0, 1, 2, 3, 4])
    d1 = np.full(5, EPOCH_2024 + 14)  # 15 January 2024; the window 15-1-2023 to 14-1-2025
    idx, day, n = expected_days(kind, d1, d1 - 365, d1 + 365)
    # weekly ±52 weeks, 4-weekly ±13 periods, monthly January 2023 to December 2024, ...
    assert [int((idx == i).sum()) for i in range(5)] == [105, 27, 24, 8, 2]
    for i in range(5):
        assert (np.diff(day[idx == i]) > 0).all() and (np.diff(n[idx == i]) == 1).all()
    assert day[(idx == 2) & (n == 0)][0] == EPOCH_2024 + 14


def test_empty_and_reversed_windows() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert all(len(a) == 0 for a in expected_days(empty, empty, empty, empty))
    one = np.array([2])
    assert len(expected_days(one, one + EPOCH_2024, one + EPOCH_2024, one + EPOCH_2024 - 5)[0]) == 0
