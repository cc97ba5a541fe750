"""Base classes of the pages in the main window.

`BasePage` gives a page its title row, an action bar, a problem banner and the hooks the
main window calls (`on_shown`, `refresh`, `focus_search`, `save_state`). A page with a
`splitter` (ListPage's table | detail pane, or its own) sets `detail_width` to give the
right-hand part that many pixels the first time the page is shown (the left part, the
table, gets the rest; later the user's own split stays).

`ListPage` is a searchable, sortable, lazily loaded table over one list service, which is
most pages. A subclass says what to list and what can be done:

    class UsersPage(ListPage):
        noun = ("user", "users")
        search_placeholder = "Search username, name or e-mail"

        def make_columns(self): return [Column("username", "Username", ...), ...]
        def fetch(self, query): return users.list_users(self.ctx.backend, self.ctx.token, query)
        def setup_filters(self, bar): bar.add_choice("role", "Role", [...])
        def setup_actions(self):
            self.add_action("Add user...", "add", self.add_user, shortcut="Ctrl+N",
                            permission=Permission.USERS_MANAGE)
            self.add_action("Edit...", "edit", self.edit_user, needs_row=True, ...)

`fetch` runs on a worker thread. Actions that need a permission the user lacks are not
shown at all; actions that need a selected row are disabled until one is selected.
Column layout and the last filter are kept in QSettings under the page key.
Errors: `handle_error(exc)` sends "session ended" to the window, puts a database outage
in the banner with Retry (nothing typed is lost), and shows any other error as a message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import Unavailable
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.banner import OutageBanner
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.errors import show_error
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.icons import icon
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_model import Column, PagedTableModel
from opsmanager_desktop.gui.table_view import DataTable
from opsmanager_desktop.services.listing import ListQuery, Page

D = TypeVar("D", bound=FormDialog)


class BasePage(QWidget):
    spec: PageSpec
    # px for the right-hand part of `self.splitter` on first show; None: the splitter's
    # stretch factors decide (a pane sized by proportion is too narrow or too wide on a
    # small or large screen, so pages with a detail pane name its width)
    detail_width: int | None = None

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.spec = spec
        self.setObjectName(f"page_{spec.key}")
        self._shown_once = False
        self._split_done = False
        self._row_actions: list[QAction] = []
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 14, 18, 10)
        self.layout_.setSpacing(10)
        head = QHBoxLayout()
        head.setSpacing(12)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title = QLabel(spec.title)
        self.title.setObjectName("pageTitle")
        titles.addWidget(self.title)
        if spec.description:
            subtitle = QLabel(spec.description)
            subtitle.setObjectName("pageSubtitle")
            titles.addWidget(subtitle)
        head.addLayout(titles)
        head.addStretch(1)
        self.action_bar = QHBoxLayout()
        self.action_bar.setSpacing(6)
        head.addLayout(self.action_bar)
        self.layout_.addLayout(head)
        self.banner = OutageBanner()
        self.layout_.addWidget(self.banner)
        self.notice = QLabel()
        self.notice.setObjectName("formInfo")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.layout_.addWidget(self.notice)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.notice.setVisible(False))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._split_done or self.detail_width is None:
            return
        splitter = getattr(self, "splitter", None)  # a page without a pane has none
        if isinstance(splitter, QSplitter) and splitter.count() == 2:
            self._split_done = True
            splitter.setSizes([splitter.width() - self.detail_width, self.detail_width])

    # --- hooks the main window calls ------------------------------------------------------
    def on_shown(self) -> None:
        if not self._shown_once:
            self._shown_once = True
            self.refresh()

    def refresh(self) -> None:
        """Load (again) what the page shows."""

    def focus_search(self) -> None:
        """Ctrl+F."""

    def save_state(self) -> None:
        """Remember layout and filters (called when the window closes or signs out)."""

    # --- helpers for subclasses -------------------------------------------------------
    def add_action(self, text: str, icon_name: str, slot: Callable[[], object], *,
                   shortcut: str | None = None, needs_row: bool = False,
                   permission: Permission | None = None, tip: str = "") -> QAction | None:
        """A button in the action bar (and a shortcut); None when not permitted."""
        if permission is not None and not self.ctx.can(permission):
            return None
        action = QAction(icon(icon_name), text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            # window-wide, yet only live while this page is the visible one (Qt ignores
            # shortcuts of actions whose widgets are hidden, as other stacked pages are)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            tip = f"{tip or text.rstrip('.')} ({shortcut})"
        action.setToolTip(tip or text.rstrip("."))
        self.addAction(action)
        button = QToolButton()
        button.setObjectName("actionButton")
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.action_bar.addWidget(button)
        if needs_row:
            action.setEnabled(False)
            self._row_actions.append(action)
        return action

    def open_form(self, dialog: D, done: Callable[[Any], object]) -> D:
        """Open a form dialog on the page; `done(dialog.result_value)` once it succeeded. A
        session that ended while it was open goes to the window, as the page's own errors."""
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: done(dialog.result_value))
        dialog.open()
        return dialog

    def notify(self, text: str, seconds: int = 8) -> None:
        """A short confirmation under the title that goes away by itself (no modal box)."""
        self.notice.setText(text)
        self.notice.setVisible(True)
        self._notice_timer.start(seconds * 1000)

    def handle_error(self, exc: BaseException, retry: Callable[[], None] | None = None) -> None:
        if self.ctx.check_session(exc):
            return
        if isinstance(exc, Unavailable):
            self.banner.show_problem(exc, retry)
            return
        show_error(self, exc)


class ListPage(BasePage):
    noun: tuple[str, str] = ("row", "rows")
    search_placeholder = "Search"
    page_size = 200
    default_sort: tuple[str, bool] | None = None  # (service sort key, descending)
    # gui/windowed_model.WindowedTableModel for lists of any length (scroll bar over all)
    model_class: type[PagedTableModel[Any]] = PagedTableModel

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.filter_bar = FilterBar(self.search_placeholder)
        self.setup_filters(self.filter_bar)
        self.layout_.addWidget(self.filter_bar)
        self.model: PagedTableModel[Any] = self.model_class(
            self.make_columns(), self.fetch, self, page_size=self.page_size)
        if self.default_sort is not None:  # before the view exists, so it shows the arrow
            self.model.set_sort(*self.default_sort)
        self.table = DataTable(self.model)
        self.table.empty_text = f"No {self.noun[1]} match."
        detail = self.make_detail()
        if detail is None:
            self.layout_.addWidget(self.table, 1)
        else:
            self.splitter = QSplitter(Qt.Orientation.Horizontal)
            self.splitter.addWidget(self.table)
            self.splitter.addWidget(detail)
            self.splitter.setStretchFactor(0, 3)
            self.splitter.setStretchFactor(1, 2)
            self.layout_.addWidget(self.splitter, 1)
        self.count_label = QLabel("")
        self.count_label.setObjectName("countLabel")
        self.layout_.addWidget(self.count_label)
        self.setup_actions()
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        self.filter_bar.changed.connect(self.refresh)
        self.model.failed.connect(lambda exc: self.handle_error(exc, self._retry_load))
        self.model.total_changed.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.loading_changed.connect(self._on_loading)
        self.table.activated_row.connect(self.on_row_activated)
        self.table.selection_changed.connect(self._on_selection)
        self._keep: object = None
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.filter_bar.restore(ctx.settings.filter_state(spec.key))
        self.table.restore_state(ctx.settings.header_state(spec.key))

    # --- what subclasses provide ---------------------------------------------------------
    def make_columns(self) -> Sequence[Column[Any]]:
        raise NotImplementedError

    def fetch(self, query: ListQuery) -> Page[Any]:
        """Worker thread: call the list service, nothing else."""
        raise NotImplementedError

    def setup_filters(self, bar: FilterBar) -> None:
        """Add combos to the filter bar."""

    def setup_actions(self) -> None:
        """Add page actions with `add_action`."""

    def make_detail(self) -> QWidget | None:
        """A pane right of the table showing the selected row (None: no pane)."""
        return None

    def on_row_activated(self, row: Any) -> None:
        """Enter or double click on a row."""

    def on_selection(self, row: Any) -> None:
        """The selected row changed (None: nothing selected)."""

    def query_filters(self) -> dict[str, Any]:
        """The filters `refresh` gives the list service: the bar's combos; a page with
        controls of its own (an account box, a date period) adds or translates them."""
        return self.filter_bar.filters()

    def row_key(self, row: Any) -> object:
        """What identifies a row (a code, a username): the selection is kept across a
        reload when the row is still there. None: the selection is not kept."""
        return None

    # --- machinery -----------------------------------------------------------------------
    def refresh(self) -> None:
        self.banner.clear()
        self.model.set_query(self.filter_bar.search_text(), self.query_filters())

    def _retry_load(self) -> None:
        self.refresh()

    def focus_search(self) -> None:
        self.filter_bar.search.setFocus()
        self.filter_bar.search.selectAll()

    def save_state(self) -> None:
        self.ctx.settings.set_filter_state(self.spec.key, self.filter_bar.state())
        self.ctx.settings.set_header_state(self.spec.key, self.table.save_state())

    def selected(self) -> Any:
        return self.table.current_row()

    def chosen_rows(self) -> list[Any]:
        """The selected rows in table order, else the current row (what Print acts on)."""
        selection = self.table.selectionModel()
        rows = sorted({i.row() for i in selection.selectedRows()}) if selection else []
        chosen = [self.model.row_at(r) for r in rows] or [self.selected()]
        return [r for r in chosen if r is not None]

    def _remember_selection(self) -> None:
        row = self.selected()
        self._keep = None if row is None else self.row_key(row)

    def _restore_selection(self) -> None:
        if self._keep is None:
            return
        for index, row in enumerate(self.model.rows()):
            if self.row_key(row) == self._keep:
                self.table.selectRow(index)
                break
        self._keep = None

    def _on_selection(self, row: Any) -> None:
        for action in self._row_actions:
            action.setEnabled(row is not None)
        self.on_selection(row)

    def _on_loading(self, loading: bool) -> None:
        if loading:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()
            self.banner.clear()

    def _update_count(self, *_args: object) -> None:
        total = self.model.total or 0
        loaded = self.model.loaded_rows
        word = self.noun[0] if total == 1 else self.noun[1]
        if loaded < total:
            self.count_label.setText(f"Showing {loaded:,} of {total:,} {word}; "
                                     "scroll down for more")
        else:
            self.count_label.setText(f"{total:,} {word}")
