"""Every way money could go wrong under concurrency, counted (0 anomalies is the pass)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, text


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def ledger_anomalies(engine: Engine, expected: dict[str, Decimal]) -> list[str]:
    """`expected`: every payment reference that was sent, with its amount."""
    problems: list[str] = []
    posted = dict(_rows(engine, "SELECT reference, amount FROM payments"))
    for ref, amount in expected.items():
        if ref not in posted:
            problems.append(f"payment {ref} lost")
        elif Decimal(str(posted[ref])) != amount:
            problems.append(f"payment {ref}: {posted[ref]} instead of {amount}")
    problems += [f"payment {r} not sent" for r in posted if r not in expected]
    problems += [f"payment {r} posted twice" for (r,) in _rows(
        engine, "SELECT reference FROM payments GROUP BY channel, reference "
                "HAVING COUNT(*) > 1")]
    problems += [f"bill {b}: paid {p} but allocations say {a}" for b, p, a in _rows(
        engine, "SELECT b.bill_no, b.amount_paid, COALESCE(SUM(pa.amount), 0) FROM bills b "
                "LEFT JOIN payment_allocations pa ON pa.bill_id = b.id GROUP BY b.id "
                "HAVING b.amount_paid <> COALESCE(SUM(pa.amount), 0)")]
    problems += [f"bill {b} over-paid: paid {p} of {t}" for b, p, t in _rows(
        engine, "SELECT bill_no, amount_paid, total + adjustments FROM bills "
                "WHERE amount_paid > total + adjustments OR balance < 0")]
    problems += [f"bill {b}: balance {bal} is not total - paid" for b, bal in _rows(
        engine, "SELECT bill_no, balance FROM bills "
                "WHERE balance <> total + adjustments - amount_paid")]
    problems += [f"account {c}: credit {cr} but {u} unapplied" for c, cr, u in _rows(
        engine, "SELECT c.account_no, c.credit, COALESCE(SUM(pa.amount), 0) FROM customers c "
                "LEFT JOIN payments p ON p.customer_id = c.id LEFT JOIN payment_allocations pa "
                "ON pa.payment_id = p.id AND pa.bill_id IS NULL GROUP BY c.id "
                "HAVING c.credit <> COALESCE(SUM(pa.amount), 0)")]
    problems += [f"payment {r}: allocations {a} of {m}" for r, m, a in _rows(
        engine, "SELECT p.reference, p.amount, SUM(pa.amount) FROM payments p "
                "JOIN payment_allocations pa ON pa.payment_id = p.id GROUP BY p.id "
                "HAVING SUM(pa.amount) <> p.amount")]
    (received, applied, credit), = _rows(
        engine, "SELECT (SELECT COALESCE(SUM(amount), 0) FROM payments), "
                "(SELECT COALESCE(SUM(amount_paid), 0) FROM bills), "
                "(SELECT COALESCE(SUM(credit), 0) FROM customers)")
    if received != applied + credit:  # type: ignore[operator]
        problems.append(f"received {received} != applied {applied} + credit {credit}")
    problems += [f"account {c}: credit {cr} while {o} outstanding" for c, cr, o in _rows(
        engine, "SELECT c.account_no, c.credit, SUM(b.balance) FROM customers c JOIN bills b "
                "ON b.customer_id = c.id AND b.status IN ('DUE', 'OVERDUE') GROUP BY c.id "
                "HAVING c.credit > 0 AND SUM(b.balance) > 0")]
    return problems
