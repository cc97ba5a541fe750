"""The worker threads an import may run beside the thread that checks it (run_import in
services/imports.py): a look-ahead preparing the next chunk (parsing, look-ups) and a writer
writing the previous one, so the database works while Python parses (decision 39).

Each worker has one task in flight at most (memory stays flat), keeps the file's order,
and is waited for before the import returns or fails: the caller's rollback never races a
statement still running.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")
C = TypeVar("C")
P = TypeVar("P")
R = TypeVar("R")


def prepared_chunks(chunks: Iterable[tuple[C, P, Sequence[R]]],
                    prepare: Callable[[list[R], P], Any],
                    ahead: bool) -> Generator[tuple[C, P, Any], None, None]:
    """(chunk, problems, prepare(rows, problems)) for each (chunk, problems, rows), None
    for a chunk with no rows left; `ahead`: prepare runs on a worker thread one chunk ahead
    of the caller."""
    if not ahead:
        for chunk, problems, rows in chunks:
            yield chunk, problems, prepare(list(rows), problems) if rows else None
        return
    pool = ThreadPoolExecutor(1, thread_name_prefix="import-prepare")
    pending: tuple[C, P, Future[Any] | None] | None = None
    try:
        for chunk, problems, rows in chunks:
            started = (chunk, problems,
                       pool.submit(prepare, list(rows), problems) if rows else None)
            if pending is not None:
                yield _result(pending)
            pending = started
        if pending is not None:
            yield _result(pending)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(pending: tuple[C, P, Future[Any] | None]) -> tuple[C, P, Any]:
    chunk, problems, future = pending
    return chunk, problems, future.result() if future is not None else None


class Writer(Generic[T]):
    """`write` called in turn, or on one worker thread behind the caller (`behind`)."""

    def __init__(self, write: Callable[[Sequence[T]], None], behind: bool) -> None:
        self._write = write
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="import-write") if behind \
            else None
        self._pending: Future[None] | None = None

    def write(self, items: Sequence[T]) -> None:
        if self._pool is None:
            self._write(items)
            return
        self.finish()  # one chunk in flight: memory stays flat, errors surface soon
        self._pending = self._pool.submit(self._write, items)

    def finish(self) -> None:
        """Wait for the write in flight; its error is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> Writer[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        # the caller rolls the transaction back next: no write may still be running then
        if self._pending is not None:
            wait([self._pending])
        if self._pool is not None:
            self._pool.shutdown()
