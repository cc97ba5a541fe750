"""Dashboard: the figures that matter today for the signed-in role (services.dashboard),
each a card that opens the list behind it with the filter set.

The service decides what a role sees (a section the role may not see comes back as None
and has no card). A card is a button: Tab moves between them, Enter or Space opens the
list, through gui/navigation.open_filtered (the page with its filter bar set; every other
filter of that page reset to "all"). The cards are in dashboard_cards.py.
The figures are read again when the page is shown and when the change counter moves
(another workstation changed something), at most every 10 seconds.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QWidget

from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.errors import PermissionDenied
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.readings import ReadingStatus
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.navigation import open_filtered
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.dashboard_cards import CARD_STYLE, Card, CycleCard, Target
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import changes, dashboard
from opsmanager_desktop.services.dashboard import Collections, Dashboard

POLL_MS = 10_000


def _change(this: Decimal, last: Decimal) -> str:
    if last == 0:
        return "nothing collected last month" if this else ""
    ratio = (this - last) / last
    return f"{ratio:+.0%} so far"


def month_bounds(month: str) -> tuple[date, date]:
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class DashboardPage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.setStyleSheet(CARD_STYLE)
        self.figures: Dashboard | None = None
        self.last_opened: Target | None = None  # what a card asked for (tests, no window)
        self.seen: int | None = None
        self._busy = False
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        body = QWidget()
        body.setObjectName("dashboardBody")
        self.grid = QGridLayout(body)
        self.grid.setContentsMargins(0, 4, 0, 4)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(14)
        self.waiting = Card("Readings waiting for approval", self.open_target, body)
        self.flagged = Card("Flagged for review", self.open_target, body)
        self.due = Card("Bills due", self.open_target, body)
        self.overdue = Card("Bills overdue", self.open_target, body)
        self.collected = Card("Collected this month", self.open_target, body)
        self.cycle = CycleCard(self.open_target, body)
        self.empty = QLabel("Nothing to watch here for your role: use the pages on the left.")
        self.empty.setObjectName("hint")
        self.empty.setVisible(False)
        scroll = QScrollArea()
        scroll.setObjectName("dashboardScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.viewport().setAutoFillBackground(False)
        self.layout_.addWidget(scroll, 1)
        self.layout_.addWidget(self.empty)
        self.updated = QLabel("")
        self.updated.setObjectName("countLabel")
        self.layout_.addWidget(self.updated)
        self._place([])
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    # --- hooks ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._shown_once and self.figures is not None:
            self.refresh()  # back on the dashboard: the figures of now

    def refresh(self) -> None:
        self.banner.clear()
        backend, token = self.ctx.backend, self.ctx.token
        self._busy = True

        def work(_job: object) -> tuple[Dashboard, int | None]:
            try:  # read first: a change made meanwhile moves it past what is shown
                seen: int | None = changes.latest_change(backend, token)
            except PermissionDenied:  # a database account without the grant: no polling
                seen = None
            return dashboard.dashboard(backend, token), seen

        run_task(self, work, on_result=self._show,
                 on_error=lambda exc: self.handle_error(exc, self.refresh),
                 on_finished=self._idle)

    def _idle(self) -> None:
        self._busy = False

    def _poll(self) -> None:
        if self._busy or not self.isVisible() or self.seen is None:
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: changes.latest_change(backend, token),
                 on_result=lambda value: self.refresh() if value != self.seen else None,
                 on_error=lambda _exc: None)  # the next look, or F5, tells

    # --- showing -------------------------------------------------------------------------
    def _place(self, cards: list[QWidget]) -> None:
        # cards are children of the body from the start (a parentless widget made visible
        # would become a window of its own); here they are only arranged and shown
        while self.grid.count():
            self.grid.takeAt(0)
        small = [c for c in cards if c is not self.cycle]
        for i, card in enumerate(small):
            self.grid.addWidget(card, i // 3, i % 3)
        if self.cycle in cards:
            self.grid.addWidget(self.cycle, (len(small) + 2) // 3, 0, 1, 3)
        self.grid.setRowStretch(10, 1)
        for widget in (self.waiting, self.flagged, self.due, self.overdue, self.collected,
                       self.cycle):
            widget.setVisible(widget in cards)

    def _show(self, result: tuple[Dashboard, int | None]) -> None:
        figures, seen = result
        self.figures, self.seen = figures, seen
        cards: list[QWidget] = []
        cycles = figures.waiting_cycles
        one_cycle = cycles[-1] if len(cycles) == 1 else None
        if figures.readings_waiting is not None:
            self.waiting.set_figure(
                f"{figures.readings_waiting:,}",
                f"in {', '.join(cycles)}" if cycles else "no open cycle",
                Target("readings", {"status": ReadingStatus.SUBMITTED.value,
                                    "cycle": one_cycle}))
            self.flagged.set_figure(
                f"{figures.readings_flagged or 0:,}", "waiting readings with a plausibility "
                "flag (high or zero)",
                Target("readings", {"status": ReadingStatus.SUBMITTED.value, "flag": "ANY",
                                    "cycle": one_cycle}),
                "bad" if figures.readings_flagged else "")
            cards += [self.waiting, self.flagged]
        if figures.due is not None and figures.overdue is not None:
            self.due.set_figure(f"{figures.due.count:,}",
                                f"{format_money(figures.due.amount)} to collect",
                                Target("bills", {"status": BillStatus.DUE.value}))
            self.overdue.set_figure(f"{figures.overdue.count:,}",
                                    f"{format_money(figures.overdue.amount)} past due date",
                                    Target("bills", {"status": BillStatus.OVERDUE.value}),
                                    "bad" if figures.overdue.count else "good")
            cards += [self.due, self.overdue]
        if figures.collections is not None:
            self._show_collections(figures.collections)
            cards.append(self.collected)
        if self.ctx.can(Permission.READINGS_VIEW) or self.ctx.can(Permission.BILLS_VIEW):
            cycle = figures.cycle
            self.cycle.show_cycle(cycle, None if cycle is None else Target(
                "readings" if self.ctx.can(Permission.READINGS_VIEW) else "bills",
                {"cycle": cycle.period}))
            cards.append(self.cycle)
        self._place(cards)
        self.empty.setVisible(not cards)
        self.updated.setText(f"Figures of {figures.as_of.isoformat()}, read at "
                             f"{self.ctx.backend.now():%H:%M:%S}; they follow changes made "
                             "on any workstation.")

    def _show_collections(self, c: Collections) -> None:
        first, last = month_bounds(c.this_month)
        change = _change(c.this_amount, c.last_amount)
        self.collected.set_figure(
            format_money(c.this_amount),
            f"{c.this_count:,} payments so far. {c.last_month}: "
            f"{format_money(c.last_amount)} from {c.last_count:,} payments"
            + (f" ({change})." if change else "."),
            Target("payments", {"date_from": first.isoformat(), "date_to": last.isoformat()}),
            "good" if c.this_amount >= c.last_amount and c.this_amount else "")

    # --- navigation ----------------------------------------------------------------------
    def open_target(self, target: Target) -> None:
        self.last_opened = target
        open_filtered(self.window(), target.page,
                      {k: v for k, v in target.filters.items() if v is not None})


def _make(ctx: AppContext) -> DashboardPage:
    return DashboardPage(ctx, PAGE)


PAGE = PageSpec("dashboard", "Dashboard", "home", Permission.REFERENCE_VIEW, _make, order=11,
                description="Today's figures for your work; click one to open the list")
