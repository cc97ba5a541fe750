"""Settlement files: `reference,channel,account_no,amount,paid_at` and optional `bill_no`
(a bill or an account statement number, as `payments record --bill`).

Follows the import pattern of services/imports.py (whole file checked, all-or-nothing
unless skip_invalid). A payment key (channel, reference) already posted, in the database or
earlier in the same file, is a DUPLICATE: reported and counted, not posted again and not an
error, so importing the same file twice posts nothing twice. The same key with a different
account or amount is a different payment under a used reference: that row is refused.

Speed: each chunk costs a few statements whatever its size (accounts, known keys and named
bills looked up with IN lists; customers and their open bills locked in one SELECT ... FOR
UPDATE each; payments, allocations and audit rows inserted with executemany; bills and
credits updated with executemany).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import AuditEntry, Customer, Payment
from opsmanager_desktop.domain.allocation import allocate
from opsmanager_desktop.domain.errors import Conflict
from opsmanager_desktop.domain.money import ZERO, format_money
from opsmanager_desktop.domain.payment_rules import MAX_REFERENCE, Channel
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import payment_ledger as ledger
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.import_preview import ImportPreview, preview_import
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    choice_cell,
    date_cell,
    decimal_cell,
    read_table,
    run_import,
    text_cell,
)
from opsmanager_desktop.services.notify import queue_many

REQUIRED = ("reference", "channel", "account_no", "amount", "paid_at")
OPTIONAL = ("bill_no",)
CHUNK = 1000
_CHANNELS = {c.value.lower(): c for c in Channel}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    posted: int
    duplicates: int
    rejected: int
    amount_posted: Decimal
    rejects_path: Path | None


@dataclass(frozen=True)
class _Item:
    row: int
    account_no: str
    customer_id: int
    amount: Decimal
    channel: Channel
    reference: str
    paid_at: date
    bill_no: str | None  # as named in the file: a bill or a statement number
    named: ledger.NamedRef | None


class _Run:
    """State of one import across its chunks (keys seen, counts)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: dict[tuple[str, str], tuple[str, Decimal]] = {}
        self.duplicates = 0
        self.posted = 0
        self.amount = ZERO

    def check(self, rows: list[Row], problems: Problems) -> list[_Item]:
        session, today = self.ctx.session, self.ctx.now.date()
        parsed = []
        for row in rows:
            reference = text_cell(row, "reference", problems, max_length=MAX_REFERENCE)
            channel = choice_cell(row, "channel", problems, _CHANNELS, what="payment channel")
            account = text_cell(row, "account_no", problems, max_length=32)
            amount = decimal_cell(row, "amount", problems)
            paid_at = date_cell(row, "paid_at", problems)
            bill_no = text_cell(row, "bill_no", problems, required=False, max_length=32)
            if amount is not None and amount <= ZERO:
                problems.add(row, "amount", "must be above zero")
            if paid_at is not None and paid_at > today:
                problems.add(row, "paid_at", f"{paid_at.isoformat()} is in the future")
            parsed.append((row, reference, channel, account, amount, paid_at,
                           bill_no or None))
        accounts = {r.account_no: r.id for r in session.execute(
            select(Customer.account_no, Customer.id).where(
                Customer.account_no.in_({p[3] for p in parsed if p[3]})))}
        clean = [p for p in parsed if not problems.has(p[0])]
        known = {(r.channel, r.reference): (r.customer_id, r.amount) for r in _by_key(
            session, {(p[2].value, p[1]) for p in clean if p[2] and p[1]},
            Payment.customer_id, Payment.amount)}
        named_refs = ledger.find_named(session, {p[6] for p in clean if p[6]})
        items: list[_Item] = []
        for row, reference, channel, account, amount, paid_at, bill_no in parsed:
            customer_id = accounts.get(account or "")
            if account and customer_id is None:
                problems.add(row, "account_no", f"no customer has account number {account!r}")
            if problems.has(row):
                continue
            assert reference and channel and account and amount and paid_at and customer_id
            key = (channel.value, reference)
            if self._is_duplicate(row, key, customer_id, account, amount, known, problems):
                continue
            named = named_refs.get(bill_no) if bill_no else None
            if bill_no:
                problem = ledger.named_problem(named, bill_no, account)
                if problem:
                    problems.add(row, "bill_no", problem)
                    continue
            self.seen[key] = (account, amount)
            items.append(_Item(row.number, account, customer_id, amount, channel, reference,
                               paid_at, bill_no, named))
        return items

    def _is_duplicate(self, row: Row, key: tuple[str, str], customer_id: int, account: str,
                      amount: Decimal, known: dict[tuple[str, str], tuple[int, Decimal]],
                      problems: Problems) -> bool:
        """True for a repeat (counted); a clash with another payment adds a problem."""
        if key in known:
            same = known[key] == (customer_id, amount)
            where = "already posted"
        elif key in self.seen:
            same = self.seen[key] == (account, amount)
            where = "earlier in this file"
        else:
            return False
        if same:
            self.duplicates += 1
        else:
            problems.add(row, "reference", f"{key[0]} reference {key[1]!r} is used by a "
                         f"different payment ({where}); check the reference")
        return True

    def _not_posted_meanwhile(self, items: Sequence[_Item]) -> Sequence[_Item]:
        """Keys checked before the customer locks may have been posted since by another
        workstation importing the same file (it held the locks): those are duplicates now."""
        posted = {(r.channel, r.reference): (r.customer_id, r.amount) for r in _by_key(
            self.ctx.session, {(i.channel.value, i.reference) for i in items},
            Payment.customer_id, Payment.amount)}
        if not posted:
            return items
        fresh = []
        for item in items:
            other = posted.get((item.channel.value, item.reference))
            if other is None:
                fresh.append(item)
            elif other == (item.customer_id, item.amount):
                self.duplicates += 1
            else:
                raise Conflict(f"row {item.row}: {item.channel.value} reference "
                               f"{item.reference!r} was just posted for a different payment "
                               "from another workstation; check the file and import it again")
        return fresh

    def write(self, items: Sequence[_Item]) -> None:
        session, now, today = self.ctx.session, self.ctx.now, self.ctx.now.date()
        customers = {c.id: c for c in ledger.lock_customers(
            session, ids=[i.customer_id for i in items])}
        items = self._not_posted_meanwhile(items)
        if not items:
            return
        open_bills = ledger.lock_open_bills(session, customers)
        by_id = {b.id: b for bills in open_bills.values() for b in bills}
        pending: list[list[ledger.AllocationRow]] = []
        for item in items:
            plan = allocate(item.amount, [b.as_open_bill() for b in open_bills[item.customer_id]],
                            item.named.bill_ids if item.named else ())
            pending.append(ledger.apply_plan(plan, 0, by_id, customers[item.customer_id],
                                             item.paid_at, today))
        session.execute(insert(Payment), [
            {"customer_id": i.customer_id, "bill_id": i.named.bill_id if i.named else None,
             "statement_id": i.named.statement_id if i.named else None, "amount": i.amount,
             "channel": i.channel.value, "reference": i.reference, "paid_at": i.paid_at,
             "recorded_by": self.ctx.username, "recorded_at": now} for i in items])
        ids = {(r.channel, r.reference): r.id for r in _by_key(
            session, {(i.channel.value, i.reference) for i in items}, Payment.id)}
        rows = []
        audit = []
        for item, parts in zip(items, pending, strict=True):
            payment_id = ids[(item.channel.value, item.reference)]
            rows += [replace(p, payment_id=payment_id) for p in parts]
            audit.append({
                "at": now, "username": self.ctx.username, "db_user": "", "entity": "payment",
                "entity_id": str(payment_id), "action": "import", "before": None,
                "after": json.dumps({
                    "account_no": item.account_no, "amount": str(item.amount),
                    "channel": item.channel.value, "reference": item.reference,
                    "paid_at": item.paid_at.isoformat(), "bill_no": item.bill_no,
                    "row": item.row}, sort_keys=True)})
        ledger.insert_allocations(session, rows, now)
        ledger.save_bills(session, by_id.values())
        ledger.save_credits(session, customers.values())
        session.execute(insert(AuditEntry), audit)
        queue_many(session, "payment_received", [(i.customer_id, {
            "amount": format_money(i.amount), "reference": i.reference,
            "paid_at": i.paid_at.isoformat()}) for i in items], now=now,
            queued_by=self.ctx.username)
        self.posted += len(items)
        self.amount += sum((i.amount for i in items), ZERO)


def _by_key(session: Session, keys: set[tuple[str, str]], *columns: Any) -> list[Any]:
    """Payments by (channel, reference), one IN list per channel so the unique index on
    (channel, reference) is used."""
    found: list[Any] = []
    for channel in {c for c, _ in keys}:
        references = sorted(r for c, r in keys if c == channel)
        found += session.execute(
            select(Payment.channel, Payment.reference, *columns)
            .where(Payment.channel == channel, Payment.reference.in_(references))).all()
    return found


@service(Permission.PAYMENTS_RECORD)
def import_payments(ctx: Ctx, path: str | Path, skip_invalid: bool = False,
                    progress: Progress | None = None, cancelled: Cancelled | None = None,
                    rejects_path: str | Path | None = None) -> ImportResult:
    """Post the payments of a settlement file; see the module docstring."""
    table = read_table(path, REQUIRED, OPTIONAL)
    run = _Run(ctx)
    summary = run_import(table, run.check, run.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled,
                         chunk_size=CHUNK)
    ctx.audit("payment_import", Path(path).name, "import", after={
        "rows": summary.rows, "posted": run.posted, "duplicates": run.duplicates,
        "rejected": summary.rejected, "amount": run.amount})
    return ImportResult(summary.rows, run.posted, run.duplicates, summary.rejected,
                        run.amount, summary.rejects_path)


@service(Permission.PAYMENTS_RECORD, readonly=True)
def check_payments_file(ctx: Ctx, path: str | Path, progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> ImportPreview:
    """What `import_payments` would do with the file, writing nothing (the desktop's import
    preview; services/import_preview.py). Payments already posted count as skipped."""
    table = read_table(path, REQUIRED, OPTIONAL)
    run = _Run(ctx)
    return preview_import(table, run.check, item_rows=lambda items: (i.row for i in items),
                          chunk_size=CHUNK, progress=progress, cancelled=cancelled)
