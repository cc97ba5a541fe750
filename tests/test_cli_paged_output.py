"""cli/paged_output.py: a paged list printed as it comes, as one JSON array or as tables,
with the terminal table showing only its table_keys."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

import pytest

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.cli.paged_output import stream_rows
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery, Page


@dataclass(frozen=True)
class _Row:
    no: int
    address: str


def _fetch(count: int, asked: list[ListQuery]) -> Any:
    rows = [_Row(i, f"{i} Hill St") for i in range(count)]

    def fetch(query: ListQuery) -> Page[_Row]:
        asked.append(query)
        return Page(rows[query.offset:query.offset + query.limit], None, query.offset)

    return fetch


def _app(as_json: bool) -> CliApp:
    return CliApp(argparse.Namespace(json=as_json), backend_factory=None,
                  progress_enabled=False)


def test_json_array_over_pages(capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[ListQuery] = []
    stream_rows(_app(True), _fetch(MAX_PAGE + 1, asked), ("no", "address"), "(none)",
                table_keys=("no",))
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == MAX_PAGE + 1 and rows[-1] == {"no": MAX_PAGE,
                                                      "address": f"{MAX_PAGE} Hill St"}
    assert [(q.offset, q.limit, q.count) for q in asked] == [(0, MAX_PAGE, False),
                                                             (MAX_PAGE, MAX_PAGE, False)]


def test_table_keys_and_empty(capsys: pytest.CaptureFixture[str]) -> None:
    stream_rows(_app(False), _fetch(2, []), ("no", "address"), "(none)", table_keys=("no",))
    assert capsys.readouterr().out.split("\n") == ["no", "--", "0 ", "1 ", ""]
    stream_rows(_app(False), _fetch(1, []), ("no", "address"), "(none)")
    assert "0   0 Hill St" in capsys.readouterr().out
    stream_rows(_app(False), _fetch(0, []), ("no",), "(none)")
    stream_rows(_app(True), _fetch(0, []), ("no",), "(none)")
    assert capsys.readouterr().out == "(none)\n[]\n"


def test_limit_stops_reading_and_printing(capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[ListQuery] = []
    stream_rows(_app(True), _fetch(MAX_PAGE * 2, asked), ("no",), "(none)",
                limit=MAX_PAGE + 3)
    assert [r["no"] for r in json.loads(capsys.readouterr().out)] == list(range(MAX_PAGE + 3))
    # the last page asks only for what is left
    assert [(q.offset, q.limit) for q in asked] == [(0, MAX_PAGE), (MAX_PAGE, 3)]
    asked.clear()
    stream_rows(_app(False), _fetch(5, asked), ("no",), "(none)", limit=2)
    assert capsys.readouterr().out.split("\n") == ["no", "--", "0 ", "1 ", ""]
    assert [(q.offset, q.limit) for q in asked] == [(0, 2)]
    stream_rows(_app(False), _fetch(5, asked), ("no",), "(none)", limit=0)
    stream_rows(_app(True), _fetch(5, asked), ("no",), "(none)", limit=0)
    assert capsys.readouterr().out == "(none)\n[]\n"
