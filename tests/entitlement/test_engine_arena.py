"""The engine's memory reuse and its task order: results that are alive together never share
memory, reused memory reads as zeros, and regelingen run after what they need.

A result's arrays go back to the rules' arena only once nothing uses them any more (the
:class:`Evaluation`, a table, a polars frame made from it); a later call then writes into the
same pages, zeroed first. The scheduler runs a task only after its needs, the costliest chain
first, and raises the first failed task's error in a fixed order.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from entitlement.rules import arena as arena_module
from entitlement.rules import engine
from entitlement.rules.arena import Arena
from entitlement.rules.engine import Evaluation, evaluate, evaluate_compact
from entitlement.rules.errors import InputError
from entitlement.rules.registry import Rules, default_rules
from entitlement.rules.schedule import Task, longest_paths, run_tasks
from tests.entitlement.test_engine_speed_paths import store_ordered


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


def _arrays(out: Evaluation) -> list[np.ndarray]:
    found = []
    for table in out.tables.values():
        found += [*table.steps.values(), *table.missing.values(), table.status, table.reasons]
        found.append(table.month_cents)
    return found


def _fresh_rules() -> Rules:
    return dataclasses.replace(default_rules(), arena=Arena())


def test_results_alive_together_share_no_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arena_module, "MAPPED_FROM", 1)  # every output array from the arena
    rules = _fresh_rules()
    frame = store_ordered(40, 2025, seed=3)
    first = evaluate_compact(frame, rules)
    expected = first.frame()
    second = evaluate_compact(frame, rules)
    for a in _arrays(first):
        for b in _arrays(second):
            assert not np.shares_memory(a, b)
    assert second.frame().equals(expected, null_equal=True)
    assert first.frame().equals(expected, null_equal=True)  # not overwritten by the second


def test_dropped_result_memory_is_reused_with_identical_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(arena_module, "MAPPED_FROM", 1)
    rules = _fresh_rules()
    frame = store_ordered(40, 2025, seed=5)
    out = evaluate_compact(frame, rules)
    expected = out.frame()
    used = {_address(a) for a in _arrays(out) if a.size}
    del out
    gc.collect()
    assert rules.arena.idle_bytes() > 0
    # Another frame first (other values written into the reused pages), then the first again.
    other = store_ordered(40, 2024, seed=9)
    assert evaluate(other, rules).equals(evaluate(other, _fresh_rules()), null_equal=True)
    again = evaluate_compact(frame, rules)
    assert again.frame().equals(expected, null_equal=True)
    assert used & {_address(a) for a in _arrays(again) if a.size}  # the same pages again


def test_reused_region_reads_as_zeros() -> None:
    arena = Arena()
    n = 1 << 18  # 2 MiB of float64: from a mapping
    first = arena.zeros(n, np.float64, "x")
    first[:] = 7.0
    place = _address(first)
    del first
    again = arena.zeros(n, np.float64, "x")
    assert _address(again) == place
    assert not again.any()
    again[:] = 5.0  # all written, nothing declared: all of it is zeroed next time
    del again
    smaller = arena.zeros(5 * n, np.uint8, "x")  # 1.25 MiB of the same region
    assert not smaller.any()
    del smaller
    larger = arena.zeros(n, np.float64, "x")  # also past what the smaller one used
    assert _address(larger) == place
    assert not larger.any()
    larger[:1000] = 3.0
    arena.written(larger[:10], 1000 * 8)  # only these bytes were written
    del larger
    assert arena.idle_bytes() == 1000 * 8
    assert not arena.zeros(n, np.float64, "x").any()


def test_idle_regions_are_kept_up_to_a_bound() -> None:
    arena = Arena(keep_bytes=3 << 20)
    arrays = [arena.zeros(1 << 20, np.uint8) for _ in range(5)]
    for a in arrays:
        a[:] = 1
    del arrays, a
    assert arena.idle_bytes() <= 3 << 20
    arena.clear()
    assert arena.idle_bytes() == 0


def test_tasks_run_after_their_needs_longest_chain_first() -> None:
    started: list[str] = []
    lock = threading.Lock()

    def record(name: str) -> Callable[[], str]:
        def run() -> str:
            with lock:
                started.append(name)
            time.sleep(0.01)
            return name

        return run

    tasks = [
        Task("a", record("a"), cost=1.0),
        Task("b", record("b"), cost=1.0),
        Task("c", record("c"), ("a",), cost=5.0),
        Task("d", record("d"), ("b",), cost=1.0),
    ]
    assert longest_paths(tasks) == {"a": 6.0, "b": 2.0, "c": 5.0, "d": 1.0}
    assert run_tasks(tasks, 1) == {name: name for name in "abcd"}
    assert started == ["a", "c", "b", "d"]  # one worker: the longest chain first
    started.clear()
    assert run_tasks(tasks, 2) == {name: name for name in "abcd"}
    assert started.index("a") < started.index("c") and started.index("b") < started.index("d")


def test_the_first_failed_task_in_order_raises() -> None:
    def fail(message: str) -> Task:
        def run() -> None:
            raise ValueError(message)

        return Task(message, run)

    ran: list[str] = []
    tasks = [fail("eerste"), fail("tweede"), Task("later", lambda: ran.append("x"), ("tweede",))]
    for workers in (1, 2):
        with pytest.raises(ValueError, match="eerste"):
            run_tasks(tasks, workers)
    assert not ran  # a task whose need failed never starts
    with pytest.raises(ValueError, match="niet eerder"):
        run_tasks([Task("x", lambda: None, ("y",)), Task("y", lambda: None)], 1)


def test_input_errors_keep_their_message_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_THREADED_FROM", 0)
    frame = store_ordered(5, 2025, seed=1).drop("kale_huur_cents")
    with pytest.raises(InputError, match="kale_huur_cents"):
        evaluate_compact(frame, default_rules())
