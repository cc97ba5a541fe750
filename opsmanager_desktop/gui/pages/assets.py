"""Network page: the distribution transformers (services.assets) with their substation,
status and connection count; beside the table the selected DT's details, maintenance
history and last energy balance. Admins and supervisors add and edit substations and
transformers and set schedules; supervisors and field officers log maintenance. The energy
balance of a cycle and the overdue maintenance open as views of their own
(gui/pages/assets_views.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from opsmanager_desktop.domain.assets import AssetStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.assets_dialogs import (
    LogMaintenanceDialog,
    ScheduleDialog,
    StatusDialog,
    SubstationDialog,
    TransformerDialog,
)
from opsmanager_desktop.gui.pages.assets_views import (
    EnergyBalanceView,
    OverdueView,
    kwh_text,
    percent_text,
)
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.bills_widgets import (
    Facts,
    RowsModel,
    fill_combo,
    load_cycles,
    rows_view,
    section_title,
    status_column,
)
from opsmanager_desktop.gui.pages.readings_detail import units_text
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.status_colors import color_status_column
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import RIGHT, Column, date_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import assets, energy_balance, maintenance
from opsmanager_desktop.services.assets import SubstationRow, TransformerRow
from opsmanager_desktop.services.energy_balance import BalanceRow
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.maintenance import LogRow, MaintenanceHistory

STATUS_FILTERS = [("All statuses", None)] + [(s.label, s.value) for s in AssetStatus]


def kva_text(value: Any) -> str:
    return f"{units_text(value)} kVA" if value is not None else ""


class TransformerDetail(QFrame):
    def __init__(self, page: NetworkPage) -> None:
        super().__init__()
        self.page = page
        self.row: TransformerRow | None = None
        self.history: MaintenanceHistory | None = None
        self.balance: BalanceRow | None = None
        layout, self.title, self.subtitle = scrolled_detail(
            self, "Select a transformer to see its details and maintenance.", 340)
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 4, 0, 0)
        self.facts = Facts()
        column.addWidget(self.facts)
        column.addWidget(section_title("Last energy balance"))
        self.balance_facts = Facts()
        column.addWidget(self.balance_facts)
        column.addWidget(section_title("Maintenance"))
        self.schedule = QLabel("")
        self.schedule.setWordWrap(True)
        column.addWidget(self.schedule)
        self.log_model: RowsModel[LogRow] = RowsModel([
            date_column("done_on", "Date", lambda r: r.done_on, width=90),
            Column("work", "Work done", lambda r: r.work_done, width=180),
            Column("by", "By", lambda r: r.done_by, width=70),
        ])
        self.log_view = rows_view(self.log_model, sortable=False)
        self.log_view.setMinimumHeight(150)
        column.addWidget(self.log_view)
        column.addStretch(1)
        layout.addWidget(self.content)
        self.content.setVisible(False)

    def show_row(self, row: TransformerRow | None) -> None:
        self.row = row
        if row is None:
            self.title.setText("Select a transformer to see its details and maintenance.")
            self.subtitle.setText("")
            self.content.setVisible(False)
            return
        self.title.setText(f"{row.code} - {row.name}")
        self.subtitle.setText(f"Substation {row.substation} ({row.substation_name}); "
                              f"{row.status.label.lower()}")
        gps = (f"{row.latitude}, {row.longitude}" if row.latitude is not None else "")
        self.facts.set_facts([
            ("Substation", f"{row.substation} - {row.substation_name}"),
            ("Capacity", kva_text(row.capacity_kva)), ("Status", row.status.label),
            ("Connections", f"{row.connections:,}"), ("Location", row.location or "-"),
            ("GPS", gps or "-"),
            ("Installed", row.installed_on.isoformat() if row.installed_on else "-")])
        self.content.setVisible(True)
        self.balance_facts.set_facts([("Loading...", "")])
        backend, token, code = self.page.ctx.backend, self.page.ctx.token, row.code

        def work(_job: Any) -> tuple[MaintenanceHistory, BalanceRow | None]:
            return (maintenance.maintenance_history(backend, token, "dt", code),
                    energy_balance.latest_balance(backend, token, code))

        run_task(self, work, on_result=lambda got: self._loaded(code, *got),
                 on_error=self.page.handle_error)

    def _loaded(self, code: str, history: MaintenanceHistory,
                balance: BalanceRow | None) -> None:
        if self.row is None or self.row.code != code:
            return  # another row was selected meanwhile
        self.history, self.balance = history, balance
        s = history.schedule
        self.schedule.setText(
            "No maintenance schedule." if s is None else
            f"Serviced every {s.interval_months} months; next due {s.next_due.isoformat()}"
            + (f" (last {s.last_done.isoformat()})." if s.last_done else "."))
        self.log_model.set_rows(history.logs)
        if balance is None:
            self.balance_facts.set_facts([("Cycle", "no DT meter reading yet")])
        else:
            self.balance_facts.set_facts([
                ("Cycle", balance.cycle), ("Input", f"{kwh_text(balance.input_kwh)} kWh"),
                ("Billed", f"{kwh_text(balance.billed_kwh)} kWh ({balance.bills} "
                           f"bill{'' if balance.bills == 1 else 's'})"),
                ("Loss", f"{kwh_text(balance.loss_kwh)} kWh, "
                         f"{percent_text(balance.loss_percent) or 'no percent'}"
                         + (f" - {balance.reason}" if balance.reason else ""))])


class NetworkPage(ListPage):
    noun = ("transformer", "transformers")
    search_placeholder = "Transformer code or name"

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        self.substations: list[SubstationRow] = []
        self.periods: list[str] = []
        self.views: list[QWidget] = []
        super().__init__(ctx, spec, parent)
        self.summary = QLabel("")
        self.summary.setObjectName("networkSummary")
        self.summary.setWordWrap(True)
        self.layout_.insertWidget(self.layout_.indexOf(self.filter_bar), self.summary)
        color_status_column(self.table, "status")
        self.read_periods: list[str] = []
        load_cycles(self, ctx, lambda rows: setattr(self, "periods", [r.period for r in rows]),
                    self.handle_error)

    def row_key(self, row: Any) -> object:
        return row.code

    def make_columns(self) -> Sequence[Column[TransformerRow]]:
        return [
            Column("code", "Code", lambda r: r.code, "code", width=90),
            Column("name", "Name", lambda r: r.name, "name", width=170),
            Column("dss", "Substation", lambda r: r.substation, "substation", width=105),
            Column("kva", "kVA", lambda r: r.capacity_kva, "capacity_kva", RIGHT,
                   units_text, 70),
            status_column("status", "Status", lambda r: r.status.value, "status", width=155),
            Column("connections", "Connections", lambda r: r.connections, align=RIGHT,
                   width=105),
            date_column("installed", "Installed", lambda r: r.installed_on, "installed_on",
                        width=95),
            Column("location", "Location", lambda r: r.location, width=180),
        ]

    def fetch(self, query: ListQuery) -> Page[TransformerRow]:
        return assets.list_transformers(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.dss_filter = bar.add_choice("substation", "Substation", [("All substations", None)])
        bar.add_choice("status", "Status", STATUS_FILTERS)

    def make_detail(self) -> QWidget:
        self.detail = TransformerDetail(self)
        return self.detail

    def setup_actions(self) -> None:
        manage = Permission.ASSETS_MANAGE
        self.add_action("Add substation...", "add", self.add_substation, permission=manage,
                        tip="A new distribution substation")
        self.add_action("Add transformer...", "add", self.add_transformer, shortcut="Ctrl+N",
                        permission=manage, tip="A new distribution transformer")
        self.add_action("Edit...", "edit", self.edit_selected, needs_row=True,
                        permission=manage, tip="Edit the selected transformer")
        self.add_action("Status...", "edit", self.status_selected, needs_row=True,
                        permission=manage, tip="Operational, faulty, under maintenance, "
                        "decommissioned")
        self.add_action("Schedule...", "edit", self.schedule_selected, needs_row=True,
                        permission=manage, tip="How often the selected transformer is "
                        "serviced")
        self.add_action("Log maintenance...", "edit", self.log_selected, needs_row=True,
                        shortcut="Ctrl+L", permission=Permission.MAINTENANCE_LOG,
                        tip="Work done on the selected transformer")
        self.add_action("Energy balance", "reports", self.show_balance, shortcut="Ctrl+B",
                        tip="Each transformer's input against its customers' billed units")
        self.add_action("Overdue", "reports", self.show_overdue,
                        tip="Substations and transformers overdue for service")
        self.table_actions = TableActions(self, "transformers")

    # --- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: (assets.list_substations(backend, token),
                                     assets.unregistered_codes(backend, token),
                                     energy_balance.balance_cycles(backend, token)),
                 on_result=lambda got: self._on_register(*got), on_error=self.handle_error)

    def _on_register(self, substations: list[SubstationRow],
                     unregistered: list[assets.UnregisteredCode], read: list[str]) -> None:
        self.substations, self.read_periods = substations, read
        keep = self.dss_filter.currentData()
        self.dss_filter.blockSignals(True)
        while self.dss_filter.count() > 1:
            self.dss_filter.removeItem(1)
        self.dss_filter.blockSignals(False)
        fill_combo(self.dss_filter, [(f"{s.code} - {s.name}", s.code) for s in substations],
                   keep)
        text = (f"{len(substations)} substation{'s' if len(substations) != 1 else ''}, "
                f"{sum(s.transformers for s in substations):,} transformers.")
        if unregistered:
            shown = ", ".join(f"{u.transformer_code} ({u.connections:,})"
                              for u in unregistered[:8])
            more = f" and {len(unregistered) - 8} more" if len(unregistered) > 8 else ""
            text += (f" Codes on connections with no transformer on the register "
                     f"(connections): {shown}{more}.")
        self.summary.setText(text)

    def on_selection(self, row: Any) -> None:
        self.detail.show_row(row if isinstance(row, TransformerRow) else None)

    # --- dialogs ---------------------------------------------------------------------------
    def _open(self, dialog: FormDialog, message: str) -> FormDialog:
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._saved(message))
        dialog.open()
        return dialog

    def _saved(self, message: str) -> None:
        self.notify(message)
        self.refresh()

    def add_substation(self) -> FormDialog:
        return self._open(SubstationDialog(self.ctx, None, None, self), "Substation added.")

    def add_transformer(self) -> FormDialog:
        return self._open(TransformerDialog(self.ctx, None, self.substations, self),
                          "Transformer added.")

    def edit_selected(self) -> FormDialog | None:
        row = self.selected()
        if not isinstance(row, TransformerRow):
            return None
        return self._open(TransformerDialog(self.ctx, row, self.substations, self),
                          f"Transformer {row.code} saved.")

    def status_selected(self) -> FormDialog | None:
        row = self.selected()
        if not isinstance(row, TransformerRow):
            return None
        return self._open(StatusDialog(self.ctx, row, self), f"Transformer {row.code}: "
                          "status saved.")

    def schedule_selected(self) -> FormDialog | None:
        row = self.selected()
        if not isinstance(row, TransformerRow):
            return None
        schedule = self.detail.history.schedule if self.detail.history else None
        return self._open(ScheduleDialog(self.ctx, "DT", row.code,
                                         schedule.interval_months if schedule else 6, self),
                          f"Transformer {row.code}: schedule saved.")

    def log_selected(self) -> FormDialog | None:
        row = self.selected()
        if not isinstance(row, TransformerRow):
            return None
        return self._open(LogMaintenanceDialog(self.ctx, "DT", row.code, self),
                          f"Transformer {row.code}: maintenance logged.")

    def on_row_activated(self, row: Any) -> None:
        if self.ctx.can(Permission.ASSETS_MANAGE):
            self.edit_selected()

    def show_balance(self) -> EnergyBalanceView:
        # the newest cycle whose DT meters were read; a new cycle has nothing to balance yet
        newest = self.read_periods[0] if self.read_periods else (
            self.periods[0] if self.periods else None)
        view = EnergyBalanceView(self.ctx, self.periods, newest, self)
        self.views.append(view)
        view.show()
        return view

    def show_overdue(self) -> OverdueView:
        view = OverdueView(self.ctx, self)
        self.views.append(view)
        view.show()
        return view


def _make(ctx: AppContext) -> NetworkPage:
    return NetworkPage(ctx, PAGE)


PAGE = PageSpec("assets", "Network", "reports", Permission.ASSETS_VIEW, _make, order=110,
                description="Substations, transformers, maintenance and energy balance")
