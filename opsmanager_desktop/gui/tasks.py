"""Background work on a QThreadPool, results delivered on the GUI thread.

Every service call the GUI makes that may wait on the database goes through `run_task`, so
the window never freezes and a slow MySQL server only shows a busy cursor:

    run_task(self, lambda job: users.list_users(backend, token, query),
             on_result=self._on_loaded, on_error=self._on_failed)

The function runs on a pool thread and receives a `Job`. It may report progress with
`job.progress(done, total, text)` and should look at `job.cancelled` (or call `job.check()`,
which raises `Cancelled`) between chunks of work. It must never touch a widget: it only
calls services and returns plain data (frozen dataclasses).

`on_result`, `on_error` and `on_progress` run on the GUI thread, and only while `owner` (a
QObject, usually the widget that asked) still exists, so a dialog closed while its work ran
never gets a late callback on a deleted widget. A `Cancelled` raised by the function is
delivered to `on_cancelled` (if given), never as an error.

`pending()` counts tasks whose callbacks have not run yet; tests wait on it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

# callbacks may return anything (often the dialog they open); the value is ignored
ResultFn = Callable[[Any], object]
ErrorFn = Callable[[BaseException], object]
ProgressFn = Callable[[int, int, str], object]


class Cancelled(Exception):
    """Raised inside a task when the user pressed Cancel."""


class Job:
    """What a background function gets: the cancel flag and a progress reporter."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._report: Callable[[int, int, str], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, done: int, total: int | None = None, text: str = "") -> None:
        """Thread-safe: the numbers travel to the GUI thread through a queued signal.
        A total of 0 (or None) means "unknown": the dialog shows a busy bar."""
        if self._report is not None:
            self._report(int(done), int(total or 0), text)


class _Dispatcher(QObject):
    """One long-lived object on the GUI thread. Workers emit `deliver(callable)`; Qt queues
    it to the GUI thread, which calls it. Because this object never goes away, a worker can
    never emit on an object the GUI thread is deleting (a per-task QObject could be)."""

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._call, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _call(self, fn: object) -> None:
        assert callable(fn)
        fn()


_DISPATCHER: list[_Dispatcher] = []


def _dispatcher() -> _Dispatcher:
    if not _DISPATCHER:  # made on the GUI thread: run_task is only called there
        _DISPATCHER.append(_Dispatcher())
    return _DISPATCHER[0]


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Job], Any], task: Task, post: Callable[[object], None]
                 ) -> None:
        super().__init__()
        self._fn = fn
        self._task = task
        self._post = post
        self.setAutoDelete(True)

    def run(self) -> None:
        task, post = self._task, self._post
        try:
            value = self._fn(task.job)
        except BaseException as exc:  # delivered to on_error on the GUI thread
            post(functools.partial(task.failed, exc))  # `exc` is unbound after the block
        else:
            post(functools.partial(task.succeeded, value))
        finally:
            post(task.done)


class Task:
    """A running background function; keep it to cancel it. Its methods other than
    `cancel` run on the GUI thread."""

    def __init__(self, owner: QObject | None, on_result: ResultFn | None,
                 on_error: ErrorFn | None, on_progress: ProgressFn | None,
                 on_finished: Callable[[], object] | None,
                 on_cancelled: Callable[[], object] | None) -> None:
        self.owner = owner
        self.on_result = on_result
        self.on_error = on_error
        self.on_progress = on_progress
        self.on_finished = on_finished
        self.on_cancelled = on_cancelled
        self.job = Job()

    def owner_alive(self) -> bool:
        return self.owner is None or shiboken6.isValid(self.owner)

    def cancel(self) -> None:
        self.job.cancel()

    def succeeded(self, value: object) -> None:
        if self.owner_alive() and self.on_result is not None:
            self.on_result(value)

    def failed(self, exc: BaseException) -> None:
        if not self.owner_alive():
            return
        if isinstance(exc, Cancelled):
            if self.on_cancelled is not None:
                self.on_cancelled()
            return
        if self.on_error is not None:
            self.on_error(exc)
        else:
            from opsmanager_desktop.gui.errors import show_error

            show_error(None, exc)

    def progressed(self, done: int, total: int, text: str) -> None:
        if self.owner_alive() and self.on_progress is not None:
            self.on_progress(done, total, text)

    def done(self) -> None:
        _RUNNING.discard(self)
        if self.owner_alive() and self.on_finished is not None:
            self.on_finished()


_RUNNING: set[Task] = set()
_POOL: list[QThreadPool] = []


def pool() -> QThreadPool:
    """Our own pool (not the global one) so tests can wait for exactly our work."""
    if not _POOL:
        created = QThreadPool()
        created.setMaxThreadCount(4)
        _POOL.append(created)
    return _POOL[0]


def run_task(owner: QObject | None, fn: Callable[[Job], Any], *,
             on_result: ResultFn | None = None, on_error: ErrorFn | None = None,
             on_progress: ProgressFn | None = None,
             on_finished: Callable[[], object] | None = None,
             on_cancelled: Callable[[], object] | None = None) -> Task:
    """Run `fn(job)` on a pool thread; see the module docstring."""
    task = Task(owner, on_result, on_error, on_progress, on_finished, on_cancelled)
    post = _dispatcher().deliver.emit
    task.job._report = lambda done, total, text: post(
        functools.partial(task.progressed, done, total, text))
    _RUNNING.add(task)
    pool().start(_Runnable(fn, task, post))
    return task


def pending() -> int:
    """Tasks started whose callbacks have not all run yet."""
    return len(_RUNNING)


def wait_all(timeout_ms: int = 30000) -> bool:
    """Block until the pool threads are done (their callbacks still need the event loop)."""
    return pool().waitForDone(timeout_ms)
