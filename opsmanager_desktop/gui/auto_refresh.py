"""Tables that follow what other workstations change, without reloading for nothing.

    from opsmanager_desktop.gui.auto_refresh import AutoRefresher

    class BillsPage(ListPage):
        def __init__(self, ctx, spec, parent=None):
            super().__init__(ctx, spec, parent)
            self.auto_refresh = AutoRefresher(self)          # every 5 s while visible
            self.auto_refresh.changed.connect(self.detail.reload)  # optional: panes too

While the page is on screen, every few seconds the refresher asks the database for its
change counter (services.changes.latest_change: the newest audit id; one indexed MAX).
Only when the counter has moved does it read again the rows the table holds (same search,
filters, sort and window, in the background) and put them in place with
`PagedTableModel.replace_rows`: rows that did not change are not touched, so the scroll
position and the selection stay where they were (the selected row is found again by the
page's `row_key` if it moved). A table scrolled beyond one service page (MAX_PAGE rows)
is reloaded from the top instead; a WindowedTableModel reads its cached pages and its count
again, in place. Nothing is asked while the page is hidden, while the
table is loading, or after the database refused the counter (an account without SELECT
on audit_log.id, which every officer role has since it was granted with PROFILE_SELF):
the table then simply waits for F5.

`changed` is emitted after a refresh that found the counter moved (whether or not the
visible rows differ), for detail panes that show more than the table.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from opsmanager_desktop.domain.errors import PermissionDenied
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.gui.windowed_model import WindowedTableModel
from opsmanager_desktop.services import changes
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery, Page

if TYPE_CHECKING:
    from opsmanager_desktop.gui.pages.base import ListPage

log = logging.getLogger(__name__)

INTERVAL_MS = 5000


class AutoRefresher(QObject):
    changed = Signal()

    def __init__(self, page: ListPage, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(page)
        self.page = page
        self.seen: int | None = None  # the counter when the rows were last read
        self.busy = False
        self.stopped = False
        self.refreshes = 0  # how many times rows were read again (tests, status)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        # rows read for any reason (first load, F5, a filter) are as new as the counter
        page.model.modelReset.connect(self._baseline)

    def stop(self) -> None:
        self.stopped = True
        self.timer.stop()

    def _baseline(self) -> None:
        if not self.busy:
            self._ask(lambda value: self._set_seen(value))

    def _set_seen(self, value: int) -> None:
        if not self.busy:
            self.seen = value

    def check(self) -> None:
        """One look at the counter (the timer calls this; tests may too)."""
        page = self.page
        if self.stopped or self.busy or not page.isVisible() or page.model.loading \
                or page.model.total is None:  # not loaded yet: its first load is fresh
            return
        self._ask(self._on_counter)

    def _ask(self, then: Any) -> None:
        if self.stopped:
            return
        backend, token = self.page.ctx.backend, self.page.ctx.token
        self.busy = True
        run_task(self, lambda _job: changes.latest_change(backend, token),
                 on_result=lambda value: self._done(then, value), on_error=self._failed)

    def _done(self, then: Any, value: int) -> None:
        self.busy = False
        then(value)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, PermissionDenied):  # the database withholds the counter
            log.info("auto-refresh off: %s", exc)
            self.stop()
        # an outage or an expired session: the next look (or the page's own load) tells

    def _on_counter(self, value: int) -> None:
        if self.seen is None:
            self.seen = value
            return
        if value == self.seen:
            return
        self.refresh_now(value)

    def refresh_now(self, counter: int | None = None) -> None:
        """Read the rows held again and put them in place (see the module docstring)."""
        page, model = self.page, self.page.model
        if isinstance(model, WindowedTableModel):  # re-reads its pages in place itself
            self.refreshes += 1
            self.seen = counter
            model.refresh_window()
            self.changed.emit()
            return
        held = model.loaded_rows
        if held > MAX_PAGE:
            self.seen = counter
            page.refresh()
            self.changed.emit()
            return
        base = model.query
        query = ListQuery(search=base.search, sort=base.sort, descending=base.descending,
                          offset=0, limit=max(held, model.page_size), count=True,
                          filters=base.filters)
        fetch = page.fetch
        self.busy = True

        def work(_job: Job) -> Page[Any]:
            return fetch(query)

        run_task(self, work, on_result=lambda result: self._apply(query, held, counter, result),
                 on_error=self._read_failed)

    def _read_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.page.handle_error(exc, self.page.refresh)

    def _apply(self, query: ListQuery, held: int, counter: int | None,
               result: Page[Any]) -> None:
        self.busy = False
        page, model = self.page, self.page.model
        now = model.query
        if model.loading or model.loaded_rows != held or (now.search, now.sort,
                now.descending, dict(now.filters or {})) != (query.search, query.sort,
                query.descending, dict(query.filters or {})):
            return  # the user moved on meanwhile; the next look tries again
        self.refreshes += 1
        self.seen = counter
        selected = page.selected()
        key = page.row_key(selected) if selected is not None else None
        rows = result.rows[:held] if held else result.rows
        model.replace_rows(rows, result.total)
        if key is not None:
            current = page.selected()
            if current is None or page.row_key(current) != key:
                for index, row in enumerate(model.rows()):
                    if page.row_key(row) == key:
                        page.table.selectRow(index)
                        break
        self.changed.emit()
