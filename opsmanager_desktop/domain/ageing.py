"""The ageing buckets of open balances (docs/design.md 3, decision 16), written once: the dues
report, the analytics page and the report workbook all bucket by this rule, in Python here
and in SQL through services/dues.ageing_bucket, which is built from the same bounds.

Days past due on a day = that day - the bill's due date. A bill not due yet has negative
days and belongs to 0-30; 90+ starts at 91 days.
"""

from __future__ import annotations

from datetime import date

BUCKETS = ("0-30", "31-60", "61-90", "90+")
# the last day of each bucket but the open-ended last one
UPPER_DAYS = (30, 60, 90)


def bucket_index(days_past_due: int) -> int:
    """Index into BUCKETS of a balance `days_past_due` days past its due date."""
    for i, upper in enumerate(UPPER_DAYS):
        if days_past_due <= upper:
            return i
    return len(UPPER_DAYS)


def bucket_of(due_date: date, as_of: date) -> str:
    """The bucket label of a bill due on `due_date`, seen on `as_of`."""
    return BUCKETS[bucket_index((as_of - due_date).days)]
