"""Starting work at the same instant in several threads, each with its own database connection: the one helper
every concurrency test uses (on SQLite and on PostgreSQL alike)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial

from django.db import connection

# Generous bounds against a hung test, never a measure of speed: a thread that has not reached the barrier after
# a minute, or not finished after three, is reported as such instead of blocking the run.
BARRIER_SECONDS = 60
FINISH_SECONDS = 180


class TaskUnfinished(Exception):
    """The outcome of a task whose thread had not ended when the test stopped waiting for it."""


def run_together(tasks: Sequence[Callable[[], object]]) -> list[object]:
    """Run each task in its own thread, all released together by a barrier; each thread closes its database
    connection when done. Returns, in the tasks' order, what each task returned or the exception it raised."""
    barrier = threading.Barrier(len(tasks), timeout=BARRIER_SECONDS)
    outcomes: list[object] = [TaskUnfinished("the task did not finish")] * len(tasks)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = tasks[index]()
        except BaseException as error:  # noqa: BLE001 - every outcome goes back to the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(FINISH_SECONDS)
    return outcomes


def run_each(count: int, work: Callable[[int], object]) -> list[object]:
    """`run_together` of `work(0)` … `work(count - 1)`."""
    return run_together([partial(work, index) for index in range(count)])


def raised(outcomes: Sequence[object]) -> list[BaseException]:
    """The exceptions among the outcomes (what a test that expects every task to succeed asserts empty)."""
    return [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
