"""Fuzzed import files (hypothesis) for customers, readings, payments and tariffs: every
file is either imported whole or refused with a typed ValidationError (a Conflict where it
clashes with what is stored), never another exception, and a refused file changes nothing.
Cells mix plausible values with hostile ones: SQL and CSV meta-characters, formulas,
Unicode outside the BMP, control characters, huge and odd numbers, over-long text; files
may also have broken headers, bad UTF-8 or binary junk."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.domain.errors import Conflict, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import (
    cycles,
    payment_import,
    reading_import,
    tariffs,
    utilities,
)
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.customer_import import import_customers
from tests.helpers import admin_token, token_for
from tests.ledger_data import add_bill

pytestmark = pytest.mark.slow
TYPED = (ValidationError, Conflict)
TALLY = {"files": 0, "imported": 0, "refused": 0}

HOSTILE = st.sampled_from([
    "'; DROP TABLE payments; --", "\" OR 1=1 --", "%", "_", "\\", "a,b", "\"quoted\"",
    "=HYPERLINK(\"http://x\")", "+cmd|'/C calc'!A0", "@SUM(1)", "NaN", "inf", "-0", "1e309",
    "0x10", "1,000.00", "12.345", "-5.00", "99999999999999999999.99", " 7 ", "",
    "\u202eevil", "\U0001f4a1 lamp", "Ünïcödé ñame", "\x00nul", "\x1b[31m", "\ufeffbom",
    "x" * 300, "2026-02-30", "31/12/2026", "2026-13-01", "9999-12-31", "0000-00-00",
])


def cell(plausible: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(plausible, plausible, HOSTILE,
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                             max_size=40))


def csv_file(header: list[str], columns: dict[str, st.SearchStrategy[str]]
             ) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: Any) -> bytes:
        head = list(header)
        # (hypothesis draws small numbers most: the rare cases get the large ones)
        if draw(st.integers(0, 9)) == 9:  # a broken header now and then
            head = draw(st.permutations(head))[: draw(st.integers(1, len(head)))]
            head += draw(st.lists(st.sampled_from(["extra", "", "Account No", "amount"]),
                                  max_size=2))
        clean = st.tuples(*(columns.get(h, st.just("x")) for h in head))
        dirty = st.tuples(*(cell(columns.get(h, st.just("x"))) for h in head))
        rows = draw(st.lists(clean | dirty, min_size=0, max_size=6))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerows(rows)
        data = out.getvalue().encode("utf-8", "surrogatepass")
        mangle = draw(st.integers(0, 14))
        if mangle == 14:
            data = data[: draw(st.integers(0, len(data)))] + b"\xff\xfe\x80"
        elif mangle == 13:
            data = draw(st.binary(max_size=200))
        elif mangle == 12:
            data = data.replace(b",", b";")
        return data
    return build()


def _fingerprint(backend: Backend) -> dict[str, int]:
    with backend.engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in Base.metadata.sorted_tables if t.name != "audit_log"}


def _attempt(backend: Backend, tmp: Path, data: bytes, run: Any) -> None:
    TALLY["files"] += 1
    path = tmp / f"fuzz-{TALLY['files']}.csv"
    path.write_bytes(data)
    before = _fingerprint(backend)
    try:
        run(path)
        TALLY["imported"] += 1
    except TYPED:
        TALLY["refused"] += 1
        assert _fingerprint(backend) == before  # nothing half-written


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    print(f"\nfuzzed import files: {TALLY['files']}, imported whole {TALLY['imported']}, "
          f"refused with a typed error {TALLY['refused']}, other exceptions 0")


@pytest.fixture
def reference(backend: Backend) -> dict[str, str]:
    admin = admin_token(backend)
    utilities.add_utility(backend, admin, "electricity", "Electricity", "kWh")
    tariffs.add_tariff(backend, admin, "DOM", "Domestic", "electricity",
                       Tariff.simple((Slab(None, Decimal("5.00")),)), date(2020, 1, 1))
    cycles.open_cycle(backend, admin, "2026-10", 14)
    add_bill(backend, "F001", "100.00", due=date(2026, 11, 1), bill_no="FB1")
    bo = token_for(backend, Role.BILLING_OFFICER)
    seed = Path(str(backend.engine.url.database or "x")).parent / "seed.csv" \
        if not backend.is_mysql else None
    rows = ("account_no,name,utility,meter_number,tariff_code\n"
            "R001,Reader One,electricity,M1,DOM\nR002,Reader Two,electricity,M2,DOM\n")
    if seed is None:
        import tempfile

        seed = Path(tempfile.mkdtemp()) / "seed.csv"
    seed.write_text(rows)
    import_customers(backend, bo, seed)
    return {"admin": admin, "bo": bo, "ao": token_for(backend, Role.ACCOUNTS_OFFICER)}


FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
accounts = st.sampled_from(["F001", "F002", "N1", "n-2"])
numbers = st.decimals("0", "100000", places=2).map(str)
amounts = st.decimals("0.01", "5000", places=2).map(str)
dates = st.dates(date(2025, 1, 1), date(2026, 11, 20)).map(date.isoformat)

CUSTOMER_COLUMNS = {"account_no": accounts, "name": st.sampled_from(["Ann", "Bo B"]),
                    "address": st.just("1 Road"), "phone": st.just("555"),
                    "email": st.just("a@b.cd"), "utility": st.just("electricity"),
                    "meter_number": st.sampled_from(["M1", "M2", "MX"]),
                    "tariff_code": st.just("DOM"), "initial_reading": numbers}


@FUZZ
@given(data=csv_file(list(CUSTOMER_COLUMNS), CUSTOMER_COLUMNS))
def test_fuzzed_customer_files(backend: Backend, reference: dict[str, str], tmp_path: Path,
                               data: bytes) -> None:
    _attempt(backend, tmp_path, data,
             lambda p: import_customers(backend, reference["bo"], p))


READING_COLUMNS = {"meter_number": st.sampled_from(["M1", "M2"]),
                   "utility": st.just("electricity"), "reading": numbers,
                   "read_at": dates, "reader": st.just("fo")}


@FUZZ
@given(data=csv_file(list(READING_COLUMNS), READING_COLUMNS))
def test_fuzzed_reading_files(backend: Backend, reference: dict[str, str], tmp_path: Path,
                              data: bytes) -> None:
    _attempt(backend, tmp_path, data,
             lambda p: reading_import.import_readings(backend, reference["bo"], p, "2026-10"))


PAYMENT_COLUMNS = {"reference": st.text("ABC123-", min_size=1, max_size=8),
                   "channel": st.sampled_from(["CASH", "bank", "POS", "online"]),
                   "account_no": st.just("F001"), "amount": amounts, "paid_at": dates,
                   "bill_no": st.sampled_from(["FB1", ""])}


@FUZZ
@given(data=csv_file(list(PAYMENT_COLUMNS), PAYMENT_COLUMNS))
def test_fuzzed_payment_files(backend: Backend, reference: dict[str, str], tmp_path: Path,
                              data: bytes) -> None:
    _attempt(backend, tmp_path, data,
             lambda p: payment_import.import_payments(backend, reference["ao"], p))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | HOSTILE
    | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3), max_leaves=8)
VALID = {"code": "FZ", "name": "Fuzz", "utility": "electricity", "mode": "telescopic",
         "fixed_charge": "10", "taxes": [{"name": "VAT", "percent": "5", "on": "energy"}],
         "slabs": [{"up_to": "100", "rate": "5"}, {"up_to": None, "rate": "10"}]}


@st.composite
def tariff_text(draw: Any) -> str:
    doc: dict[str, Any] = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*VALID, "categories", "effective_from", "minimum_charge",
                                    "fixed_charge_per_kw", "unknown"]))
        if draw(st.booleans()) and key in doc:
            del doc[key]
        else:
            doc[key] = draw(json_values)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 9:
        text = text[: draw(st.integers(0, len(text)))]
    return text


@FUZZ
@given(text=tariff_text())
def test_fuzzed_tariff_files(backend: Backend, reference: dict[str, str], tmp_path: Path,
                             text: str) -> None:
    _attempt(backend, tmp_path, text.encode("utf-8", "surrogatepass"),
             lambda p: tariffs.import_tariff_file(backend, reference["admin"], p))
