"""The ageing buckets (domain/ageing.py) and their SQL form (services/dues.ageing_bucket):
every day past due lands in exactly one bucket, and the database agrees with the Python
rule on both SQLite and MariaDB."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Engine, Integer, MetaData, Table, insert, select

from opsmanager_desktop.domain.ageing import BUCKETS, UPPER_DAYS, bucket_index, bucket_of
from opsmanager_desktop.services.dues import ageing_bucket

# a table of our own, so the SQL compares a real DATE column as the bills query does
_probe_meta = MetaData()
_probe = Table("test_ageing_probe", _probe_meta,
               Column("id", Integer, primary_key=True, autoincrement=False),
               Column("due_date", Date, nullable=False))

AS_OF = st.dates(date(2000, 3, 1), date(2099, 12, 31))


def _ranges() -> list[range]:
    """The days each bucket covers, from the bounds written out by hand (decision 16)."""
    return [range(-10_000, 31), range(31, 61), range(61, 91), range(91, 10_000)]


@given(st.integers(-10_000, 9_999))
def test_every_day_falls_in_exactly_one_bucket(days: int) -> None:
    holding = [i for i, r in enumerate(_ranges()) if days in r]
    assert holding == [bucket_index(days)]


def test_bucket_edges() -> None:
    assert [bucket_index(d) for d in (-400, -1, 0, 30, 31, 60, 61, 90, 91, 5000)] == \
        [0, 0, 0, 0, 1, 1, 2, 2, 3, 3]
    assert len(BUCKETS) == len(UPPER_DAYS) + 1
    assert bucket_of(date(2026, 3, 31), date(2026, 6, 30)) == "90+"  # 91 days
    assert bucket_of(date(2026, 4, 1), date(2026, 6, 30)) == "61-90"  # 90 days
    assert bucket_of(date(2026, 7, 10), date(2026, 6, 30)) == "0-30"  # not due yet


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(as_of=AS_OF, offsets=st.lists(
    st.one_of(st.integers(-40, 130), st.integers(-2000, 2000),
              st.sampled_from([u + d for u in UPPER_DAYS for d in (-1, 0, 1)])),
    min_size=1, max_size=40))
def test_sql_bucket_equals_the_rule(engine: Engine, as_of: date, offsets: list[int]) -> None:
    dues = [as_of - timedelta(days=n) for n in offsets]
    _probe_meta.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(_probe), [{"id": i, "due_date": d} for i, d in enumerate(dues)])
            query = select(_probe.c.id, ageing_bucket(_probe.c.due_date, as_of))
            got: dict[int, int] = {int(i): int(b) for i, b in conn.execute(query)}
    finally:
        _probe_meta.drop_all(engine)
    assert [BUCKETS[got[i]] for i in range(len(dues))] == [bucket_of(d, as_of) for d in dues]
