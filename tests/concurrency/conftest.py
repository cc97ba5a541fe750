"""Several processes against one MariaDB database: the session's test database, emptied
before each test. Each process builds its own Backend from the URL and signs in itself
(a token is valid only in the process that issued it)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import MYSQL_SERVER, empty_tables

# fork: children start in milliseconds; engines are disposed before forking so no pooled
# connection is shared between processes
CTX = multiprocessing.get_context("fork")


@pytest.fixture
def mysql_url(mysql_engine: Engine) -> Iterator[str]:
    empty_tables(mysql_engine)
    mysql_engine.dispose()
    yield f"{MYSQL_SERVER}/{mysql_engine.url.database}"
    mysql_engine.dispose()


def run_processes(target: Any, args_per_process: list[tuple[Any, ...]],
                  timeout: float = 120) -> list[Any]:
    """Start one process per argument tuple (each gets a result queue and a barrier so
    they begin together) and return what each put on the queue, in process order."""
    queue = CTX.Queue()
    barrier = CTX.Barrier(len(args_per_process))
    procs = [CTX.Process(target=target, args=(i, queue, barrier, *args))
             for i, args in enumerate(args_per_process)]
    for p in procs:
        p.start()
    results: dict[int, Any] = {}
    for _ in procs:
        i, value = queue.get(timeout=timeout)
        results[i] = value
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0, f"worker exited with {p.exitcode}"
    return [results[i] for i in range(len(procs))]
