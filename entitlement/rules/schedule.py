"""Run a handful of dependent tasks on a few threads, the task with the longest chain first.

The engine evaluates regelingen side by side (numpy releases the GIL inside its loops). A pool
that takes tasks in a fixed order lets a thread sit idle while a task it picked waits for another
(kwijtschelding for bijstand, every regeling that counts children for the children's ages), and
the last task to start decides when the run ends. Here an idle thread takes, among the tasks
whose needs have finished, the one with the longest remaining path: its own estimated cost plus
the costliest chain of tasks that wait for it (list scheduling, longest path first). The calling
thread is one of the workers, so a run on one worker uses no extra thread at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    """One unit of work: ``run`` starts once every task named in ``needs`` has finished."""

    name: str
    run: Callable[[], Any]
    needs: tuple[str, ...] = ()
    cost: float = 1.0  # estimated seconds (or any unit shared by all tasks of a run)


def longest_paths(tasks: Sequence[Task]) -> dict[str, float]:
    """Per task its cost plus the costliest chain of tasks that (indirectly) need it."""
    waiting: dict[str, list[str]] = {t.name: [] for t in tasks}
    for task in tasks:
        for need in task.needs:
            waiting[need].append(task.name)
    cost = {t.name: t.cost for t in tasks}
    found: dict[str, float] = {}
    # Tasks come in an order where needs precede their users (checked in run_tasks), so the
    # reverse order settles every waiting task before the task it waits for.
    for task in reversed(tasks):
        found[task.name] = cost[task.name] + max(
            (found[w] for w in waiting[task.name]), default=0.0
        )
    return found


def run_tasks(tasks: Sequence[Task], workers: int) -> dict[str, Any]:
    """Every task's result by name, run on ``workers`` threads (the caller's included).

    ``tasks`` must list every task after the tasks it needs. When a task fails, the tasks after
    it (in ``tasks`` order) that have not started are skipped, those before it still run; then
    the error of the first failed task in ``tasks`` order is raised. That is the task a run in
    list order would have failed on, whatever the threads' timing.
    """
    order = {t.name: i for i, t in enumerate(tasks)}
    if len(order) != len(tasks):
        raise ValueError("taaknamen zijn niet uniek")
    for task in tasks:
        for need in task.needs:
            if order.get(need, len(tasks)) >= order[task.name]:
                raise ValueError(f"taak {task.name} wacht op {need}, die niet eerder komt")
    path = longest_paths(tasks)
    pending = sorted(tasks, key=lambda t: (-path[t.name], order[t.name]))
    results: dict[str, Any] = {}
    errors: dict[str, BaseException] = {}
    lock = threading.Condition()

    def take() -> Task | None:
        """Under ``lock``: the first pending task (longest path first) that may still run and
        whose needs are done; None when none is ready (``lock.wait`` for one) or none may run
        any more (then the worker ends)."""
        limit = min((order[name] for name in errors), default=len(tasks))
        allowed = False
        for i, task in enumerate(pending):
            if order[task.name] >= limit:
                continue
            allowed = True
            if all(need in results for need in task.needs):
                return pending.pop(i)
        if not allowed:
            raise _Done
        return None

    def work() -> None:
        while True:
            with lock:
                try:
                    task = take()
                    while task is None:
                        lock.wait()  # a running task will finish and notify
                        task = take()
                except _Done:
                    return
            try:
                value = task.run()
            except BaseException as exc:  # re-raised in the caller's thread below
                with lock:
                    errors[task.name] = exc
                    lock.notify_all()
                continue
            with lock:
                results[task.name] = value
                lock.notify_all()

    helpers = [threading.Thread(target=work, daemon=True) for _ in range(max(0, workers - 1))]
    for helper in helpers:
        helper.start()
    try:
        work()
    finally:
        for helper in helpers:
            helper.join()
    if errors:
        raise errors[min(errors, key=order.__getitem__)]
    return results


class _Done(Exception):
    """No task is left that may run: the worker ends."""
