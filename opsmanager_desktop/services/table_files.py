"""Reading the bytes of an import file into rows of text: format sniffing (CSV or XLSX, and
a clear refusal for anything else), UTF-8 decoding with the place of the first bad byte,
spreadsheet cells turned into the text a CSV would hold. services/imports.py builds on it.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError

RawRows = Generator[tuple[int, list[str]], None, None]

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an old-style Office file (.xls/.doc)"),
    (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xff\xfe", "UTF-16 text"), (b"\xfe\xff", "UTF-16 text"),
)
_ZIP = b"PK\x03\x04"
SAVE_AS = "save it as 'CSV UTF-8' or as an Excel workbook (.xlsx) and import it again"


def sniff(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(_ZIP):
        return "xlsx"
    if path.suffix.lower() in (".xlsx", ".xlsm") and head.strip():
        raise ValidationError([FieldProblem(
            "file", f"{path.name} is not an Excel workbook (.xlsx); {SAVE_AS}")])
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise ValidationError([FieldProblem(
                "file", f"{path.name} is {what}, not a table; {SAVE_AS}")])
    if b"\x00" in head:
        raise ValidationError([FieldProblem(
            "file", f"{path.name} is a binary file, not a CSV table; {SAVE_AS}")])
    return "csv"


def raw_rows(path: Path, kind: str) -> RawRows:
    if kind == "xlsx":
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path)


def _csv_rows(path: Path) -> RawRows:
    with path.open("rb") as raw:
        first_line = raw.readline(65536)
        raw.seek(0)
        delimiter = max(",;\t", key=lambda d: first_line.count(d.encode()))
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        number = 0
        try:
            for cells in reader:
                number += 1
                yield number, [c.strip() for c in cells]
        except UnicodeDecodeError:
            raise _encoding_error(path) from None
        except csv.Error as exc:
            raise ValidationError([FieldProblem(
                "file", f"{path.name} is not a well-formed CSV file near row {number + 1} "
                f"({exc}); {SAVE_AS}")]) from None


def csv_line_count(path: Path) -> int:
    """Lines of a CSV file, after checking the whole file is UTF-8: both at C speed, so a
    million-row file is not parsed twice just to know its size before the import."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines = 0
    last = b""
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                raise _encoding_error(path) from None
            lines += block.count(b"\n")
            last = block
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _encoding_error(path) from None
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def _encoding_error(path: Path) -> ValidationError:
    """Where the first byte that is not UTF-8 is, as a person can find it in an editor."""
    offset = 0
    with path.open("rb") as f:
        for line_no, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = line[exc.start]
                return ValidationError([FieldProblem(
                    "file", f"{path.name} is not UTF-8 text: line {line_no}, byte "
                    f"{offset + exc.start + 1} (0x{bad:02x}) cannot be read (was it saved as "
                    f"Latin-1/ANSI?); {SAVE_AS}", line_no)])
            offset += len(line)
    return ValidationError([FieldProblem("file", f"{path.name} is not UTF-8 text; {SAVE_AS}")])


@contextmanager
def _xlsx_book(path: Path) -> Iterator[Any]:
    """The workbook, read-only. It is opened from a file object so the content decides, not
    the file name (an .xlsx saved as .csv still reads)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as f:
        try:
            book = load_workbook(f, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise ValidationError([FieldProblem(
                "file", f"{path.name} is not a readable Excel workbook ({exc}); {SAVE_AS}")]) \
                from None
        try:
            yield book
        finally:
            book.close()


def _xlsx_rows(path: Path) -> RawRows:
    with _xlsx_book(path) as book:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [xlsx_text(v) for v in values]


def xlsx_rows_hint(path: Path) -> int:
    with _xlsx_book(path) as book:
        return int(book.worksheets[0].max_row or 0)


def xlsx_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: dates as ISO, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 1234.5, not 1234.49999
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)
