"""The worker processes that draw bill pages, kept for the life of the program.

Starting a worker means a fresh interpreter importing reportlab: about a second of CPU
for two of them, which on a busy two-core workstation is a large part of printing a
route of a few hundred bills. So the pool is started by the first print job and reused
by the next ones (the GUI prints batch after batch), and shut down when the program ends.

Workers are started with "spawn": a forked copy of a process holding Qt threads or
database connections is not safe. A frozen (PyInstaller) build must call
multiprocessing.freeze_support() at start for them to work. A worker that died breaks
its pool; the next job starts a new one.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

_POOLS: dict[int, ProcessPoolExecutor] = {}
_LOCK = threading.Lock()


def pool(workers: int) -> ProcessPoolExecutor:
    with _LOCK:
        found = _POOLS.get(workers)
        if found is None or getattr(found, "_broken", False):
            found = ProcessPoolExecutor(max_workers=workers,
                                        mp_context=multiprocessing.get_context("spawn"))
            _POOLS[workers] = found
        return found


def submit(workers: int, fn: Callable[..., Any], *args: Any) -> Future[Any]:
    return pool(workers).submit(fn, *args)


def shutdown() -> None:
    with _LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for each in pools:
        each.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)
