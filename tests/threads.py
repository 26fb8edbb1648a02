"""Starting work in several threads at the same moment, for races and bursts.

``run_together(racers)`` runs each racer in a thread of its own. A racer is called with
``start``: it prepares what it needs (an app context, a connection, a signed-in client, a row
read before the others write), then calls ``start()``, which returns once every racer has got
there, so what follows runs at the same moment in all of them. The answer is what each racer
returned, in order. A racer that raises fails the test, with what every racer raised (one that
fails before the start line releases the others at once, with ``threading.BrokenBarrierError``);
so does a racer still running after ``timeout`` seconds.

``all_at_once(calls)`` is the same for calls of no argument with nothing to prepare.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Start = Callable[[], None]


def run_together(racers: Sequence[Callable[[Start], T]], *, timeout: float = 120.0) -> list[T]:
    barrier = threading.Barrier(len(racers))
    results: list[T | None] = [None] * len(racers)
    errors: list[BaseException | None] = [None] * len(racers)

    def start() -> None:
        barrier.wait(timeout=timeout)

    def run(index: int, racer: Callable[[Start], T]) -> None:
        try:
            results[index] = racer(start)
        except BaseException as error:  # noqa: BLE001 - reported below
            barrier.abort()  # releases those still waiting at the start line, if any
            errors[index] = error

    threads = [
        threading.Thread(target=run, args=(i, racer), name=f"racer-{i}", daemon=True) for i, racer in enumerate(racers)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = [thread.name for thread in threads if thread.is_alive()]
    assert not hung, f"still running after {timeout} s: {hung}"
    failed = [(index, error) for index, error in enumerate(errors) if error is not None]
    if failed:
        # The racers released by another's failure come last: the first is what went wrong.
        failed.sort(key=lambda item: isinstance(item[1], threading.BrokenBarrierError))
        raise AssertionError(
            f"{len(failed)} of {len(racers)} racers raised: "
            + "; ".join(f"racer-{index}: {error!r}" for index, error in failed)
        ) from failed[0][1]
    return results  # type: ignore[return-value]


def all_at_once(calls: Sequence[Callable[[], T]], *, timeout: float = 120.0) -> list[T]:
    def racer(call: Callable[[], T]) -> Callable[[Start], T]:
        def race(start: Start) -> T:
            start()
            return call()

        return race

    return run_together([racer(call) for call in calls], timeout=timeout)
