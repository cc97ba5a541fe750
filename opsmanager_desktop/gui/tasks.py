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

Threading rules this module keeps (each one was a crash before):
- results travel through one long-lived dispatcher object on the GUI thread, never through
  a per-task QObject the GUI thread could delete while a worker still emits on it;
- a worker never holds the last Python reference to anything that may lead to a Qt object
  (the function's closure often holds a dialog or a page): the task, with the function,
  its outcome and callbacks, lives in a registry owned by the GUI thread; the worker drops
  its own references before it reports back, so every such object dies on the GUI thread.
"""

from __future__ import annotations

import functools
import itertools
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
    """What a background function gets: the cancel flag and a progress reporter. It holds
    no reference to a task or a widget."""

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
    it to the GUI thread, which calls it."""

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


class Task:
    """A running background function; keep it to cancel it. Everything but `cancel` runs
    on the GUI thread."""

    def __init__(self, key: int, fn: Callable[[Job], Any], owner: QObject | None,
                 on_result: ResultFn | None, on_error: ErrorFn | None,
                 on_progress: ProgressFn | None, on_finished: Callable[[], object] | None,
                 on_cancelled: Callable[[], object] | None) -> None:
        self.key = key
        self.fn: Callable[[Job], Any] | None = fn
        self.owner = owner
        self.on_result = on_result
        self.on_error = on_error
        self.on_progress = on_progress
        self.on_finished = on_finished
        self.on_cancelled = on_cancelled
        self.job = Job()
        self.outcome: tuple[bool, Any] | None = None  # set by the worker, read here

    def owner_alive(self) -> bool:
        return self.owner is None or shiboken6.isValid(self.owner)

    def cancel(self) -> None:
        self.job.cancel()

    def _deliver(self) -> None:
        ok, value = self.outcome if self.outcome is not None else (False, RuntimeError(
            "the background work ended without a result"))
        self.outcome = None
        self.fn = None
        if not self.owner_alive():
            return
        if ok:
            if self.on_result is not None:
                self.on_result(value)
        elif isinstance(value, Cancelled):
            if self.on_cancelled is not None:
                self.on_cancelled()
        elif self.on_error is not None:
            self.on_error(value)
        else:
            from opsmanager_desktop.gui.errors import show_error

            show_error(None, value)
        if self.owner_alive() and self.on_finished is not None:
            self.on_finished()


_TASKS: dict[int, Task] = {}
_KEYS = itertools.count(1)


def _finish(key: int) -> None:
    task = _TASKS.pop(key, None)
    if task is not None:
        task._deliver()


def _progress(key: int, done: int, total: int, text: str) -> None:
    task = _TASKS.get(key)
    if task is not None and task.owner_alive() and task.on_progress is not None:
        task.on_progress(done, total, text)


def _report(post: Callable[[object], None], key: int, done: int, total: int,
            text: str) -> None:
    post(functools.partial(_progress, key, done, total, text))


class _Runnable(QRunnable):
    """Holds only the task's key and the dispatcher's emit: nothing of the caller's."""

    def __init__(self, key: int, post: Callable[[object], None]) -> None:
        super().__init__()
        self._key = key
        self._post = post
        self.setAutoDelete(True)

    def run(self) -> None:
        key, post = self._key, self._post
        task = _TASKS[key]
        fn, job = task.fn, task.job
        del task
        assert fn is not None
        try:
            value: Any = fn(job)
            ok = True
        except BaseException as exc:  # delivered to on_error on the GUI thread
            value, ok = exc, False
        del fn, job
        _TASKS[key].outcome = (ok, value)
        del value  # from here on only the registry (GUI thread) holds the outcome
        post(functools.partial(_finish, key))


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
    key = next(_KEYS)
    task = Task(key, fn, owner, on_result, on_error, on_progress, on_finished, on_cancelled)
    post = _dispatcher().deliver.emit
    task.job._report = functools.partial(_report, post, key)
    _TASKS[key] = task
    pool().start(_Runnable(key, post))
    return task


def pending() -> int:
    """Tasks started whose callbacks have not all run yet."""
    return len(_TASKS)


def wait_all(timeout_ms: int = 30000) -> bool:
    """Block until the pool threads are done (their callbacks still need the event loop)."""
    return pool().waitForDone(timeout_ms)
