"""Printing a list a service pages through (a cycle may be 100,000 bills, a disconnection
list as many connections) as it comes, so the whole list never sits in memory: JSON as one
array written row by row, or a table a page at a time."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table, to_jsonable
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery, Page


def stream_rows(app: CliApp, fetch: Callable[[ListQuery], Page[Any]], keys: tuple[str, ...],
                empty: str, *, table_keys: tuple[str, ...] | None = None,
                limit: int | None = None) -> None:
    """Print `keys` of every row `fetch` pages out (a table shows only `table_keys`, when
    given: the columns that fit a terminal), or of the first `limit` rows; `empty` when
    there is none."""
    out = sys.stdout
    offset = printed = 0
    if app.json:
        out.write("[")
    while limit is None or printed < limit:
        # a page no longer than what is left to print, so the database reads no more
        size = MAX_PAGE if limit is None else min(MAX_PAGE, limit - printed)
        page = fetch(ListQuery(offset=offset, limit=size, count=False))
        rows = [{k: to_jsonable(getattr(r, k)) for k in keys} for r in page.rows]
        if app.json:
            for row in rows:
                out.write(("," if printed else "") + "\n  " + json.dumps(row))
                printed += 1
        elif rows:
            shown = rows if table_keys is None else [{k: row[k] for k in table_keys}
                                                     for row in rows]
            out.write(render_table(shown) + "\n")
            printed += len(rows)
        if len(page.rows) < size:
            break
        offset += size
    if app.json:
        out.write("\n]\n" if printed else "]\n")
    elif not printed:
        out.write(empty + "\n")
