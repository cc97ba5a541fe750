"""utilities, tariffs and cycles commands (docs/design.md section 4)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.tariff import Category, Charges, Tax
from opsmanager_desktop.domain.tariff_file import tariff_from_options
from opsmanager_desktop.services import cycles, tariffs, utilities
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.tariffs import AddedTariff, PlanDetail, VersionDetail


def register(commands: Any) -> None:
    _register_utilities(commands)
    _register_tariffs(commands)
    _register_cycles(commands)


def _register_utilities(commands: Any) -> None:
    parser = commands.add_parser("utilities", help="utility types (admin)")
    cmds = parser.add_subparsers(dest="utilities_command", required=True)
    add = cmds.add_parser("add", help="add a utility type, e.g. electricity --unit kWh")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--unit", required=True, help="unit of consumption, e.g. kWh or m3")
    add.set_defaults(handler=utilities_add)
    cmds.add_parser("list", help="list utility types").set_defaults(handler=utilities_list)
    off = cmds.add_parser("deactivate", help="no new plans or connections on a utility type")
    off.add_argument("code")
    off.set_defaults(handler=utilities_deactivate)


def _register_tariffs(commands: Any) -> None:
    parser = commands.add_parser("tariffs", help="tariff plans and their versions")
    cmds = parser.add_subparsers(dest="tariffs_command", required=True)
    add = cmds.add_parser("add", help="a tariff plan, or a new version of it (admin)")
    add.add_argument("code")
    add.add_argument("--utility", required=True, help="utility type code")
    add.add_argument("--name", required=True)
    add.add_argument("--fixed", required=True, help="fixed charge per cycle")
    add.add_argument("--tax", required=True, help="tax percent on energy + fixed (0: none)")
    add.add_argument("--mode", default="telescopic", help="telescopic (default) or flat")
    add.add_argument("--slab", action="append", default=[], metavar="UPTO:RATE",
                     help="a band: 100:5 is up to 100 units at 5; :10 is the open-ended rest")
    add.add_argument("--effective-from", metavar="DATE",
                     help="YYYY-MM-DD; default: always for a new plan, today for a new version")
    add.set_defaults(handler=tariffs_add)
    imp = cmds.add_parser("import", help="a tariff (or new version) from a JSON tariff file")
    imp.add_argument("file")
    imp.set_defaults(handler=tariffs_import)
    lst = cmds.add_parser("list", help="list tariff plans")
    lst.add_argument("--utility")
    lst.add_argument("--search", default="")
    lst.set_defaults(handler=tariffs_list)
    show = cmds.add_parser("show", help="a plan with every version")
    show.add_argument("code")
    show.set_defaults(handler=tariffs_show)
    pre = cmds.add_parser("preview", help="what a consumption would cost")
    pre.add_argument("code")
    pre.add_argument("--units", required=True)
    pre.add_argument("--kw", default="0", help="sanctioned load for per-kW fixed charges")
    pre.add_argument("--on", metavar="DATE", help="the version in force on DATE (default today)")
    pre.set_defaults(handler=tariffs_preview)
    off = cmds.add_parser("deactivate", help="no new connections on a plan (admin)")
    off.add_argument("code")
    off.set_defaults(handler=tariffs_deactivate)


def _register_cycles(commands: Any) -> None:
    parser = commands.add_parser("cycles", help="monthly billing cycles")
    cmds = parser.add_subparsers(dest="cycles_command", required=True)
    opn = cmds.add_parser("open", help="open a monthly billing cycle (admin)")
    opn.add_argument("period", metavar="YYYY-MM")
    opn.add_argument("--due-days", type=int, default=cycles.DEFAULT_DUE_DAYS)
    opn.add_argument("--estimate", action="store_true",
                     help="estimate connections without a reading in the billing run")
    opn.set_defaults(handler=cycles_open)
    cmds.add_parser("list", help="list billing cycles").set_defaults(handler=cycles_list)
    close = cmds.add_parser("close", help="close a cycle: no more readings or billing (admin)")
    close.add_argument("period", metavar="YYYY-MM")
    close.set_defaults(handler=cycles_close)
    est = cmds.add_parser("estimation", help="switch estimation on or off for a cycle (admin)")
    est.add_argument("period", metavar="YYYY-MM")
    est.add_argument("state", choices=["on", "off"])
    est.set_defaults(handler=cycles_estimation)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(option, f"{text!r} is not a date; write it as YYYY-MM-DD") from None


# --- utilities --------------------------------------------------------------------------

def _utility_json(row: utilities.UtilityRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "unit": row.unit, "active": row.is_active}


def utilities_add(app: CliApp, args: argparse.Namespace) -> int:
    row = utilities.add_utility(app.backend, app.token(), args.code, args.name, args.unit)
    app.emit(_utility_json(row), f"Utility type {row.code!r} added ({row.unit}).")
    return 0


def utilities_list(app: CliApp, args: argparse.Namespace) -> int:
    app.emit([_utility_json(r) for r in utilities.list_utilities(app.backend, app.token())])
    return 0


def utilities_deactivate(app: CliApp, args: argparse.Namespace) -> int:
    row = utilities.deactivate_utility(app.backend, app.token(), args.code)
    app.emit(_utility_json(row), f"Utility type {row.code!r} deactivated.")
    return 0


# --- tariffs ----------------------------------------------------------------------------

def _added(app: CliApp, added: AddedTariff) -> int:
    what = "Tariff plan" if added.new_plan else "New version of tariff plan"
    app.emit({"code": added.code, "version_id": added.version_id,
              "effective_from": added.effective_from, "new_plan": added.new_plan},
             f"{what} {added.code} added, effective from {added.effective_from.isoformat()}.")
    return 0


def tariffs_add(app: CliApp, args: argparse.Namespace) -> int:
    tariff = tariff_from_options(fixed=args.fixed, tax=args.tax, mode=args.mode,
                                 slabs=args.slab)
    added = tariffs.add_tariff(app.backend, app.token(), args.code, args.name, args.utility,
                               tariff, _date(args.effective_from, "--effective-from"),
                               uses_categories=False)
    return _added(app, added)


def tariffs_import(app: CliApp, args: argparse.Namespace) -> int:
    return _added(app, tariffs.import_tariff_file(app.backend, app.token(), args.file))


def tariffs_list(app: CliApp, args: argparse.Namespace) -> int:
    filters = {"utility": args.utility} if args.utility else None
    page = tariffs.list_plans(app.backend, app.token(), ListQuery(
        search=args.search, sort="code", limit=5000, filters=filters))
    app.emit([{"code": r.code, "name": r.name, "utility": r.utility, "mode": r.mode,
               "effective_from": r.effective_from, "fixed_charge": r.fixed_charge,
               "versions": r.versions, "next_effective_from": r.next_effective_from,
               "active": r.is_active} for r in page.rows])
    return 0


def _slabs_json(category: Category) -> list[dict[str, Any]]:
    return [{"up_to": s.up_to, "rate": s.rate} for s in category.slabs]


def _taxes_json(taxes: tuple[Tax, ...]) -> list[dict[str, Any]]:
    return [{"name": t.name, "percent": t.percent, "on": t.on} for t in taxes]


def _version_json(v: VersionDetail) -> dict[str, Any]:
    """A version in the shape of the tariff file, plus its id and whether it is current."""
    data: dict[str, Any] = {"id": v.id, "effective_from": v.effective_from,
                            "current": v.is_current, "mode": v.mode}
    if v.uses_categories:
        data["categories"] = [{"up_to": c.up_to, "fixed_charge": c.fixed_charge,
                               "slabs": _slabs_json(c)} for c in v.categories]
    else:
        data["fixed_charge"] = v.fixed_charge
        data["slabs"] = _slabs_json(v.categories[0])
    data.update(fixed_charge_per_kw=v.fixed_charge_per_kw, minimum_charge=v.minimum_charge,
                taxes=_taxes_json(v.taxes))
    return data


def _plan_text(plan: PlanDetail) -> str:
    lines = [f"{plan.code}  {plan.name}  ({plan.utility}, per {plan.unit})"
             + ("" if plan.is_active else "  [deactivated]")]
    for v in plan.versions:
        mark = "  <- in force today" if v.is_current else ""
        lines.append(f"\nfrom {v.effective_from.isoformat()}: {v.mode.value}{mark}")
        for i, c in enumerate(v.categories):
            indent = "  "
            if v.uses_categories:
                bound = "and above" if c.up_to is None else f"up to {c.up_to.normalize():f}"
                lines.append(f"  category {i + 1} ({bound}), fixed {format_money(c.fixed_charge)}")
                indent = "    "
            else:
                lines.append(f"  fixed charge {format_money(c.fixed_charge)}")
            for s in c.slabs:
                bound = "rest" if s.up_to is None else f"up to {s.up_to.normalize():f}"
                lines.append(f"{indent}{bound}: {s.rate.normalize():f} per unit")
        if v.fixed_charge_per_kw:
            lines.append(f"  per kW {format_money(v.fixed_charge_per_kw)}")
        if v.minimum_charge:
            lines.append(f"  minimum energy charge {format_money(v.minimum_charge)}")
        for t in v.taxes:
            lines.append(f"  tax {t.name}: {t.percent.normalize():f}% of {t.on.value}")
    return "\n".join(lines)


def tariffs_show(app: CliApp, args: argparse.Namespace) -> int:
    plan = tariffs.get_plan(app.backend, app.token(), args.code)
    app.emit({"code": plan.code, "name": plan.name, "utility": plan.utility,
              "unit": plan.unit, "active": plan.is_active,
              "versions": [_version_json(v) for v in plan.versions]}, _plan_text(plan))
    return 0


def _charges_json(charges: Charges) -> dict[str, Any]:
    return {"units": charges.units,
            "lines": [{"kind": ln.kind, "description": ln.description,
                       "quantity": ln.quantity, "rate": ln.rate, "amount": ln.amount}
                      for ln in charges.lines],
            "energy": charges.energy, "fixed": charges.fixed, "tax": charges.tax,
            "total": charges.total}


def tariffs_preview(app: CliApp, args: argparse.Namespace) -> int:
    on = _date(args.on, "--on")
    charges = tariffs.preview(app.backend, app.token(), args.code, args.units, args.kw, on)
    rows = [{"line": ln.description, "amount": format_money(ln.amount)} for ln in charges.lines]
    rows.append({"line": "Total", "amount": format_money(charges.total)})
    app.emit({"code": args.code.strip().upper(), **_charges_json(charges)}, render_table(rows))
    return 0


def tariffs_deactivate(app: CliApp, args: argparse.Namespace) -> int:
    tariffs.deactivate_plan(app.backend, app.token(), args.code)
    code = args.code.strip().upper()
    app.emit({"code": code, "active": False}, f"Tariff plan {code} deactivated.")
    return 0


# --- cycles -----------------------------------------------------------------------------

def _cycle_json(row: CycleRow) -> dict[str, Any]:
    return {"period": row.period, "start_date": row.start_date, "end_date": row.end_date,
            "due_days": row.due_days, "status": row.status,
            "estimation": row.estimation_enabled}


def cycles_open(app: CliApp, args: argparse.Namespace) -> int:
    row = cycles.open_cycle(app.backend, app.token(), args.period, args.due_days, args.estimate)
    app.emit(_cycle_json(row), f"Billing cycle {row.period} opened "
             f"({row.start_date.isoformat()} to {row.end_date.isoformat()}, "
             f"bills due {row.due_days} days after issue).")
    return 0


def cycles_list(app: CliApp, args: argparse.Namespace) -> int:
    page = cycles.list_cycles(app.backend, app.token(),
                              ListQuery(sort="period", descending=True, limit=5000))
    app.emit([_cycle_json(r) for r in page.rows])
    return 0


def cycles_close(app: CliApp, args: argparse.Namespace) -> int:
    row = cycles.close_cycle(app.backend, app.token(), args.period)
    app.emit(_cycle_json(row), f"Billing cycle {row.period} closed.")
    return 0


def cycles_estimation(app: CliApp, args: argparse.Namespace) -> int:
    row = cycles.set_estimation(app.backend, app.token(), args.period, args.state == "on")
    app.emit(_cycle_json(row), f"Estimation for {row.period} is {args.state}.")
    return 0

