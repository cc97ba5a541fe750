"""The main window: sidebar of the pages the user may use, the page area, menus, status.

Pages come from gui/pages/registry.py, filtered by the signed-in user's permissions; each
is built the first time it is opened. Ctrl+1..9 open the visible pages in order. The status
bar shows who is signed in, their role and the database (Backend.describe(): never the
password). The idle lock (gui/lock.py) covers the window after the configured minutes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
)

from opsmanager_desktop import __version__
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.dialogs.about import AboutDialog
from opsmanager_desktop.gui.icons import app_icon, icon
from opsmanager_desktop.gui.lock import IdleWatcher, Locker
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.registry import PageSpec, pages_for


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    settings_requested = Signal()
    change_password_requested = Signal()
    closed = Signal()

    def __init__(self, ctx: AppContext, idle_ms: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle("Ops Manager Desktop")
        self.setWindowIcon(app_icon())
        self.specs: list[PageSpec] = pages_for(ctx.signed.permissions)
        self.pages: dict[str, BasePage] = {}
        self._build_body()
        self._build_menus()
        self._build_status()
        minutes_ms = ctx.settings.idle_minutes * 60_000
        self.idle = IdleWatcher(idle_ms if idle_ms is not None else minutes_ms, self)
        self.locker = Locker(ctx, self.sign_out_requested.emit, self)
        self.idle.idle.connect(self.lock)
        self.locker.locked.connect(self.idle.pause)
        self.locker.unlocked.connect(self.idle.resume)
        geometry = ctx.settings.geometry("main")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1240, 780)
        last = ctx.settings.last_page()
        keys = [s.key for s in self.specs]
        if self.specs:
            self.show_page(last if last in keys else keys[0])

    # --- layout ------------------------------------------------------------------------
    def _build_body(self) -> None:
        panel = QFrame()
        panel.setObjectName("sidebarPanel")
        column = QVBoxLayout(panel)
        column.setContentsMargins(8, 12, 8, 10)
        column.setSpacing(8)
        brand = QHBoxLayout()
        brand.setContentsMargins(10, 0, 0, 4)
        brand.setSpacing(8)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(26, 26))
        brand.addWidget(logo)
        title = QLabel("Ops Manager")
        title.setObjectName("sidebarTitle")
        brand.addWidget(title, 1)
        column.addLayout(brand)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for number, spec in enumerate(self.specs, start=1):
            item = QListWidgetItem(icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            shortcut = f"  (Ctrl+{number})" if number <= 9 else ""
            item.setToolTip(f"{spec.description or spec.title}{shortcut}")
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self._on_sidebar_row)
        # the panel is as wide as the longest page title, so no title is cut off
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        longest = max((self.sidebar.fontMetrics().horizontalAdvance(s.title)
                       for s in self.specs), default=0)
        column.addWidget(self.sidebar, 1)
        who = QLabel(f"{self.ctx.signed.full_name or self.ctx.username}\n"
                     f"{self.ctx.signed.role.label}")
        who.setObjectName("sidebarUser")
        who.setContentsMargins(10, 0, 0, 0)
        column.addWidget(who)
        panel.setMinimumWidth(max(190, min(280, longest + 90)))
        panel.setMaximumWidth(280)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pageStack")
        self.empty = QLabel("Your role has no pages in this version of the program yet.\n"
                            "Ask an administrator if you expected to see something here.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("hint")
        self.stack.addWidget(self.empty)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(panel)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([210, 1030])
        splitter.setHandleWidth(1)
        self.setCentralWidget(splitter)

    def _action(self, text: str, icon_name: str | None, slot: Callable[[], object],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
                ) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.settings_action = self._action("&Settings...", "settings",
                                            self.settings_requested.emit, "Ctrl+,")
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self._action("Change &password...", "key",
                                         self.change_password_requested.emit))
        file_menu.addSeparator()
        self.lock_action = self._action("&Lock", "lock", self.lock, "Ctrl+L")
        file_menu.addAction(self.lock_action)
        self.sign_out_action = self._action("Sign &out", "sign-out",
                                            self.sign_out_requested.emit, "Ctrl+Shift+Q")
        file_menu.addAction(self.sign_out_action)
        file_menu.addAction(self._action("&Quit", None, self.close, QKeySequence.StandardKey.Quit))
        go_menu = bar.addMenu("&Go")
        for number, spec in enumerate(self.specs, start=1):
            key = spec.key
            shortcut = f"Ctrl+{number}" if number <= 9 else None
            go_menu.addAction(self._action(spec.title, spec.icon, self._opener(key), shortcut))
        go_menu.addSeparator()
        go_menu.addAction(self._action("&Find in page", "search", self._focus_search,
                                       QKeySequence.StandardKey.Find))
        go_menu.addAction(self._action("&Refresh page", "refresh", self._refresh_page))
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", None, self.show_shortcuts,
                                         "F1"))
        help_menu.addAction(self._action("&About Ops Manager Desktop", "info", self.show_about))

    def _opener(self, key: str) -> Callable[[], object]:
        return lambda: self.show_page(key)

    def _build_status(self) -> None:
        status = self.statusBar()
        self.user_label = QLabel(f"Signed in as {self.ctx.username} "
                                 f"({self.ctx.signed.role.label})")
        self.user_label.setObjectName("statusUser")
        status.addWidget(self.user_label)
        self.db_label = QLabel(f"Database: {self.ctx.backend.describe()}")
        self.db_label.setObjectName("statusDatabase")
        status.addPermanentWidget(self.db_label)
        self.version_label = QLabel(f"Version {__version__}")
        self.version_label.setObjectName("statusVersion")
        status.addPermanentWidget(self.version_label)

    # --- pages ---------------------------------------------------------------------------
    def show_page(self, key: str) -> BasePage | None:
        for row, spec in enumerate(self.specs):
            if spec.key == key:
                self.sidebar.setCurrentRow(row)  # -> _on_sidebar_row builds and shows it
                return self.pages.get(key)
        return None

    def _on_sidebar_row(self, row: int) -> None:
        if not 0 <= row < len(self.specs):
            return
        spec = self.specs[row]
        page = self.pages.get(spec.key)
        if page is None:
            page = spec.factory(self.ctx)
            self.pages[spec.key] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.ctx.settings.set_last_page(spec.key)
        page.on_shown()

    def current_page(self) -> BasePage | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, BasePage) else None

    def _focus_search(self) -> None:
        page = self.current_page()
        if page is not None:
            page.focus_search()

    def _refresh_page(self) -> None:
        page = self.current_page()
        if page is not None:
            page.refresh()

    # --- lock, help, close ----------------------------------------------------------
    def lock(self) -> None:
        self.locker.lock()

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle.set_timeout(minutes * 60_000)

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self.ctx.backend.describe(), self)
        dialog.open()
        return dialog

    def shortcut_lines(self) -> list[str]:
        lines = [f"Ctrl+{n}\t{spec.title}" for n, spec in enumerate(self.specs[:9], start=1)]
        lines += ["Ctrl+F\tSearch in the page", "F5\tRefresh the page",
                  "Ctrl+N\tNew item in the page (where there is one)",
                  "Enter\tOpen the selected row", "Ctrl+L\tLock the window",
                  "Ctrl+Shift+Q\tSign out", "Ctrl+,\tSettings", "Ctrl+Q\tQuit"]
        return lines

    def show_shortcuts(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts",
                          "\n".join(self.shortcut_lines()), QMessageBox.StandardButton.Close,
                          self)
        box.open()

    def save_state(self) -> None:
        for page in self.pages.values():
            page.save_state()
        self.ctx.settings.set_geometry("main", self.saveGeometry())
        self.ctx.settings.sync()

    def shut_down(self) -> None:
        """Stop the idle timer and remember the layout (sign-out or quit)."""
        self.idle.stop()
        if self.locker.is_locked:
            self.locker.unlock()
        self.save_state()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shut_down()
        super().closeEvent(event)
        self.closed.emit()

