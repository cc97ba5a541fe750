"""Smoke test of the built program, run as a user would run it.

    python installer/smoke_test.py dist/OpsManager          (installer/build.py runs it)
    python installer/smoke_test.py --exe .venv/bin/opsmanager   (the same steps, unfrozen)

It uses only the executables (no import of the package): `--version`, `db init` on a fresh
SQLite file, a small billing cycle through the command line (utility, tariff, cycle, three
customers imported from CSV (and 247 more, see EXTRA), readings imported and approved by a
supervisor, billing run,
bills issued, a payment, dues, an Excel export), PDF bills (one, and a cycle drawn by worker
processes) and the charts' report pack when the build has those commands,
a MySQL URL to prove the driver is inside, and the desktop window opened offscreen, signed
in, every page shown and closed (the OPSMANAGER_SMOKE_EXIT_MS hook, gui/smoke.py).
Everything runs in a temporary home folder, so the user's own settings and data are never
touched. The first failing step stops the run with its name, command, exit code and output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "smoke-test-pass-1"
CYCLE = "2026-01"
CUSTOMERS_CSV = """\
account_no,name,address,phone,email,utility,meter_number,tariff_code,initial_reading
S001,Ada Smoke,1 Test Road,555-0101,ada@example.com,electricity,SM-1,SMOKE,0
S002,Ben Smoke,2 Test Road,555-0102,ben@example.com,electricity,SM-2,SMOKE,100
S003,Cy Smoke,3 Test Road,555-0103,,electricity,SM-3,SMOKE,50
"""
READINGS_CSV = """meter_number,utility,reading,read_at
SM-1,electricity,150,2026-01-30
SM-2,electricity,180,2026-01-30
SM-3,electricity,50,2026-01-30
"""
# More customers than one printing chunk (200 statements, one bill each here), so printing
# the cycle starts worker processes: in a frozen program each is the executable started
# again (freeze_support).
EXTRA = 247
CONNECTIONS = 3 + EXTRA
CUSTOMERS_CSV += "".join(
    f"X{n:03d},Extra {n},{n} Side Street,,,electricity,XM-{n},SMOKE,{n}\n"
    for n in range(1, EXTRA + 1))
READINGS_CSV += "".join(f"XM-{n},electricity,{n + 40},2026-01-30\n"
                        for n in range(1, EXTRA + 1))
# slabs 100:5 and :10, fixed 50, tax 5 % on energy + fixed (docs/design.md section 3):
# 150 units -> 100 x 5 + 50 x 10 = 1000 + 50 = 1050 + 52.50 tax = 1102.50
EXPECTED_TOTAL_S001 = "1102.50"


class SmokeFailure(Exception):
    pass


class Smoke:
    def __init__(self, cli: Path, gui: Path, work: Path) -> None:
        self.cli = cli
        self.gui = gui
        self.work = work
        home = work / "home"
        self.env = {
            **os.environ,
            "HOME": str(home), "USERPROFILE": str(home),
            "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"), "LOCALAPPDATA": str(home / "local"),
            "APPDATA": str(home / "roaming"), "MPLCONFIGDIR": str(home / "mpl"),
            # platformdirs asks Windows itself unless told otherwise
            "WIN_PD_OVERRIDE_LOCAL_APPDATA": str(home / "local"),
            "WIN_PD_OVERRIDE_APPDATA": str(home / "roaming"),
            "QT_QPA_PLATFORM": "offscreen",
            "OPSMANAGER_DB": f"sqlite:///{(work / 'smoke.sqlite3').as_posix()}",
            "OPSMANAGER_PASSWORD": PASSWORD,
            "OPSMANAGER_NEW_PASSWORD": PASSWORD,
        }
        for name in ("OPSMANAGER_USER", "OPSMANAGER_SMOKE_EXIT_MS"):
            self.env.pop(name, None)
        self.timings: list[tuple[str, float]] = []

    # --- running ---------------------------------------------------------------------------
    def run(self, step: str, args: Sequence[str], user: str | None = None,
            as_json: bool = False, expect: int = 0, exe: Path | None = None,
            env: dict[str, str] | None = None, timeout: float = 180) -> str:
        command = [str(exe or self.cli)]
        if as_json:
            command.append("--json")
        if user:
            command += ["--user", user]
        command += list(args)
        started = time.perf_counter()
        try:
            done = subprocess.run(command, cwd=self.work, env={**self.env, **(env or {})},
                                  capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SmokeFailure(f"step '{step}': {' '.join(command)}\n  {exc}") from exc
        elapsed = time.perf_counter() - started
        self.timings.append((step, elapsed))
        if done.returncode != expect:
            raise SmokeFailure(
                f"step '{step}': exit code {done.returncode}, expected {expect}\n"
                f"  command: {' '.join(command)}\n"
                f"  stdout:\n{_indent(done.stdout)}\n  stderr:\n{_indent(done.stderr)}")
        if "Traceback (most recent call last)" in done.stderr:
            raise SmokeFailure(f"step '{step}': a traceback was printed\n{_indent(done.stderr)}")
        print(f"  ok  {step:<28} {elapsed:6.2f} s", flush=True)
        return done.stdout + done.stderr if step == "window" else done.stdout

    def run_json(self, step: str, args: Sequence[str], user: str) -> Any:
        out = self.run(step, args, user=user, as_json=True)
        try:
            return json.loads(out)
        except json.JSONDecodeError as exc:
            raise SmokeFailure(f"step '{step}': output is not JSON: {out[:500]!r}") from exc

    def check(self, step: str, condition: bool, detail: str) -> None:
        if not condition:
            raise SmokeFailure(f"step '{step}': {detail}")

    def has_command(self, *words: str) -> bool:
        done = subprocess.run([str(self.cli), *words, "--help"], cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=120)
        return done.returncode == 0

    # --- the steps -------------------------------------------------------------------------
    def version(self, expected: str) -> None:
        out = self.run("--version", ["--version"]).strip()
        self.check("--version", out == f"opsmanager {expected}",
                   f"printed {out!r}, expected 'opsmanager {expected}'")

    def billing_cycle(self) -> None:
        (self.work / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
        (self.work / "readings.csv").write_text(READINGS_CSV, encoding="utf-8")
        self.run("db init", ["db", "init", "--admin", "admin"])
        for name, role in (("bo", "billing_officer"), ("sup", "supervisor"),
                           ("ao", "accounts_officer")):
            self.run(f"users add {name}", ["users", "add", name, "--role", role], user="admin")
        self.run("utilities add", ["utilities", "add", "electricity", "--name", "Electricity",
                                   "--unit", "kWh"], user="admin")
        self.run("tariffs add", ["tariffs", "add", "SMOKE", "--utility", "electricity",
                                 "--name", "Smoke domestic", "--fixed", "50", "--tax", "5",
                                 "--slab", "100:5", "--slab", ":10"], user="admin")
        self.run("cycles open", ["cycles", "open", CYCLE], user="admin")
        self.run("customers import", ["customers", "import", "customers.csv"], user="bo")
        self.run("readings import", ["readings", "import", "readings.csv", "--cycle", CYCLE],
                 user="bo")
        self.run("readings approve", ["readings", "approve", "--cycle", CYCLE, "--all"],
                 user="sup")
        run = self.run_json("billing run", ["billing", "run", "--cycle", CYCLE], user="bo")
        self.check("billing run", run.get("bills_created") == CONNECTIONS,
                   f"expected {CONNECTIONS} bills, got {run}")
        self.run_json("bills issue", ["bills", "issue", "--cycle", CYCLE,
                                      "--issue-date", "2026-02-01"], user="bo")
        bills = self.run_json("bills list", ["bills", "list", "--account", "S001"], user="bo")
        self.check("bills list", len(bills) == 1 and bills[0]["total"] == EXPECTED_TOTAL_S001
                   and bills[0]["status"] == "DUE",
                   f"expected one DUE bill of {EXPECTED_TOTAL_S001}, got {bills}")
        self.run_json("payments record", ["payments", "record", "--account", "S001",
                                          "--amount", "500.00", "--channel", "CASH",
                                          "--reference", "SMOKE-1", "--date", "2026-02-03"],
                      user="ao")
        dues = self.run_json("dues", ["dues", "S001"], user="ao")
        self.check("dues", dues.get("outstanding") == "602.50" and dues.get("credit") == "0.00",
                   f"expected outstanding 602.50 and credit 0.00, got {dues}")
        self.run("export bills (xlsx)", ["export", "bills", "--out", "bills.xlsx"], user="bo")
        xlsx = self.work / "bills.xlsx"
        self.check("export bills (xlsx)", xlsx.is_file() and xlsx.read_bytes()[:2] == b"PK",
                   "no Excel file written")

    def print_bill(self) -> bool:
        """`bills print` was written alongside this test: run it when the build has it."""
        if not self.has_command("bills", "print"):
            print("  --  bills print               (not in this build: skipped)")
            return False
        bill_no = self.run_json("bills list (print)", ["bills", "list", "--account", "S001"],
                                user="bo")[0]["bill_no"]
        self.run("bills print", ["bills", "print", "--bill", bill_no, "--out", "bill.pdf"],
                 user="bo")
        self.check_pdf("bills print", "bill.pdf")
        done = self.run_json("bills print (cycle)", ["bills", "print", "--cycle", CYCLE,
                                                     "--workers", "2", "--out", "cycle.pdf"],
                             user="sup")
        self.check("bills print (cycle)", done.get("bills") == CONNECTIONS,
                   f"expected {CONNECTIONS} bills printed, got {done}")
        self.check_pdf("bills print (cycle)", "cycle.pdf")
        return True

    def report_pack(self) -> None:
        """Charts (matplotlib) into a PDF, and the year's workbook, when the build has them."""
        if not self.has_command("reports", "pack"):
            print("  --  reports pack              (not in this build: skipped)")
            return
        pack = self.run_json("reports pack", ["reports", "pack", "--year", CYCLE[:4],
                                              "--out", "pack.pdf"], user="ao")
        self.check("reports pack", int(pack.get("pages", 0)) > 0, f"no pages: {pack}")
        self.check_pdf("reports pack", "pack.pdf")
        self.run("reports workbook", ["reports", "workbook", "--year", CYCLE[:4],
                                      "--out", "reports.xlsx"], user="ao")
        self.check("reports workbook", (self.work / "reports.xlsx").read_bytes()[:2] == b"PK",
                   "no Excel file written")

    def check_pdf(self, step: str, name: str) -> None:
        pdf = self.work / name
        self.check(step, pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-",
                   f"no PDF written to {name}")

    def mysql_driver(self) -> None:
        """Port 9 on the loopback is closed: the driver must be there to say so."""
        step = "mysql driver"
        command = [str(self.cli), "--db", "mysql://smoke:smoke@127.0.0.1:9/smoke",
                   "--user", "admin", "users", "list"]
        done = subprocess.run(command, cwd=self.work, env=self.env, capture_output=True,
                              text=True, timeout=120)
        text = done.stdout + done.stderr
        self.check(step, done.returncode != 0 and "No module named" not in text
                   and "Traceback" not in text,
                   f"exit {done.returncode}, output:\n{_indent(text)}")
        print(f"  ok  {step:<28} (refused cleanly: {text.strip().splitlines()[-1][:60]})")

    def window(self) -> None:
        out = self.run("window", [], user=None, exe=self.gui,
                       env={"OPSMANAGER_USER": "admin", "OPSMANAGER_SMOKE_EXIT_MS": "500"})
        self.check("window", "smoke: passed" in out or self.gui != self.cli,
                   f"the window hook did not report:\n{_indent(out)}")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.strip().splitlines()[-40:]) or "    (none)"


def package_version() -> str:
    text = (ROOT / "opsmanager_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if match is None:
        raise SystemExit("no __version__ in opsmanager_desktop/__init__.py")
    return match.group(1)


def executables(folder: Path) -> tuple[Path, Path]:
    suffix = ".exe" if sys.platform == "win32" else ""
    cli = folder / f"opsmanager{suffix}"
    gui = folder / f"OpsManagerDesktop{suffix}"
    return cli, gui if gui.exists() else cli


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "dist" / "OpsManager",
                        help="the built folder (default dist/OpsManager)")
    parser.add_argument("--exe", type=Path, help="test this executable instead of a folder")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work folder (database, PDFs, workbooks) to look at")
    args = parser.parse_args(argv)
    cli, gui = (args.exe, args.exe) if args.exe else executables(args.folder)
    if not cli.exists():
        print(f"smoke test: {cli} does not exist (build first: make installer)")
        return 2
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="opsmanager-smoke-"))
    smoke = Smoke(cli.resolve(), gui.resolve(), work)
    print(f"smoke test of {cli} (work folder {work})", flush=True)
    try:
        smoke.version(package_version())
        smoke.billing_cycle()
        printed = smoke.print_bill()
        smoke.report_pack()
        smoke.mysql_driver()
        smoke.window()
    except SmokeFailure as exc:
        print(f"\nSMOKE TEST FAILED at {exc}", flush=True)
        return 1
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    slowest = max(smoke.timings, key=lambda t: t[1])
    print(f"smoke test passed in {total:.1f} s ({len(smoke.timings)} runs, slowest "
          f"'{slowest[0]}' {slowest[1]:.1f} s; PDF bill {'printed' if printed else 'skipped'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
