"""One PDF out of many small ones, written as it goes: memory stays flat in the page count.

The bill run renders chunks of bills to separate PDFs (in worker processes) and joins them
here. reportlab itself keeps a whole document in memory until it saves, and a general PDF
merger (pypdf) holds every page object until it writes; this joiner copies each chunk's
objects into the open output file at once, renumbered, and keeps only their offsets (one
integer per object) for the cross-reference table at the end.

It reads the PDFs reportlab writes (a classic xref table, direct /Length on streams) and
nothing else: each chunk's page tree becomes one branch under a new root, its catalog and
document info are dropped. Chunks are expected without ASCII85 (`joinable_streams`), which only
makes them smaller; the joiner does not look inside streams.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from reportlab import rl_config

_REF = re.compile(rb"(\d+) 0 R\b")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_HEAD = re.compile(rb"xref\s+0\s+(\d+)\s+")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_TRAILER_REF = re.compile(rb"/(Root|Info) (\d+) 0 R")
_PAGES_REF = re.compile(rb"/Pages (\d+) 0 R")
_COUNT = re.compile(rb"/Count (\d+)")
_LENGTH = re.compile(rb"/Length (\d+)")
_STREAM = re.compile(rb"\bstream\r?\n")

ROOT_ID = 1
CATALOG_ID = 2
INFO_ID = 3


@contextmanager
def joinable_streams() -> Iterator[None]:
    """reportlab writing Flate streams without the ASCII85 layer while a chunk is drawn:
    smaller files, and the joiner reads streams by their length."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


class PdfFormatError(ValueError):
    """A chunk that is not a PDF as reportlab writes it."""


def _objects(data: bytes) -> tuple[dict[int, bytes], int, set[int]]:
    """(object number -> its body between `obj` and `endobj`, the chunk's page-tree root,
    the numbers to leave out: catalog and info)."""
    tail = _STARTXREF.search(data[-64:])
    if tail is None:
        raise PdfFormatError("no startxref at the end")
    xref_at = int(tail.group(1))
    head = _XREF_HEAD.match(data, xref_at)
    if head is None:
        raise PdfFormatError("no classic xref table")
    count = int(head.group(1))
    offsets: dict[int, int] = {}
    position = head.end()
    for number in range(count):
        entry = _ENTRY.match(data, position)
        if entry is None:
            raise PdfFormatError(f"bad xref entry {number}")
        if entry.group(3) == b"n":
            offsets[number] = int(entry.group(1))
        position = entry.end()
        while data[position:position + 1] in (b" ", b"\r", b"\n"):
            position += 1
    trailer = data[position:]
    refs = {name: int(num) for name, num in _TRAILER_REF.findall(trailer)}
    if b"Root" not in refs:
        raise PdfFormatError("no /Root in the trailer")
    bodies: dict[int, bytes] = {}
    for number, offset in offsets.items():
        start = data.index(b"obj", offset) + 3
        stream = _STREAM.search(data, start, start + 4096)
        end = data.index(b"endobj", start)
        if stream is not None and stream.start() < end:
            length = _LENGTH.search(data, start, stream.start())
            if length is None:
                raise PdfFormatError(f"stream object {number} without a direct /Length")
            data_end = stream.end() + int(length.group(1))
            end = data.index(b"endobj", data_end)
        bodies[number] = data[start:end].strip()
    catalog = refs[b"Root"]
    pages = _PAGES_REF.search(bodies[catalog])
    if pages is None:
        raise PdfFormatError("the catalog names no page tree")
    skip = {catalog, *([refs[b"Info"]] if b"Info" in refs else [])}
    return bodies, int(pages.group(1)), skip


def _renumber_dict(body: bytes, mapping: dict[int, int]) -> bytes:
    """References renumbered in the dictionary part only (stream bytes are left alone)."""
    stream = _STREAM.search(body)
    cut = stream.start() if stream is not None else len(body)
    head = _REF.sub(lambda m: b"%d 0 R" % mapping[int(m.group(1))], body[:cut])
    return head + body[cut:]


class PdfJoiner:
    """Append reportlab PDFs to one output file; `close()` writes the page tree and xref."""

    def __init__(self, out: BinaryIO, title: str = "") -> None:
        self._out = out
        self._title = title
        self._offsets = array("q", [0, 0, 0, 0])  # 0 unused; 1-3 written at close
        self._branches: list[int] = []
        self._pages = 0
        self._written = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def pages(self) -> int:
        return self._pages

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._written += len(data)

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._written
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def add(self, pdf: bytes) -> int:
        """Copy one chunk in; returns its page count."""
        bodies, pages_root, skip = _objects(pdf)
        kept = sorted(n for n in bodies if n not in skip)
        base = len(self._offsets)
        mapping = {old: base + i for i, old in enumerate(kept)}
        self._offsets.extend([0] * len(kept))
        count = _COUNT.search(bodies[pages_root])
        if count is None:
            raise PdfFormatError("the page tree has no /Count")
        for old in kept:
            body = _renumber_dict(bodies[old], mapping)
            if old == pages_root:  # the chunk's tree becomes a branch of ours
                body = body.replace(b"<<", b"<<\n/Parent %d 0 R" % ROOT_ID, 1)
            self._object(mapping[old], body)
        self._branches.append(mapping[pages_root])
        self._pages += int(count.group(1))
        return int(count.group(1))

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % n for n in self._branches)
        self._object(ROOT_ID, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (self._pages, kids))
        self._object(CATALOG_ID, b"<< /Type /Catalog /Pages %d 0 R >>" % ROOT_ID)
        title = _pdf_string(self._title)
        self._object(INFO_ID, b"<< /Title %s /Producer (Ops Manager Desktop) >>" % title)
        xref_at = self._written
        lines = [b"xref\n0 %d\n" % len(self._offsets), b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % offset for offset in self._offsets[1:]]
        self._write(b"".join(lines))
        self._write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                    % (len(self._offsets), CATALOG_ID, INFO_ID, xref_at))
        self._out.flush()


def _pdf_string(text: str) -> bytes:
    raw = text.encode("latin-1", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def join_files(chunks: list[bytes], path: Path, title: str = "") -> int:
    """A convenience for small jobs and tests: the chunks joined into `path`."""
    with path.open("wb") as out:
        joiner = PdfJoiner(out, title)
        for chunk in chunks:
            joiner.add(chunk)
        joiner.close()
        return joiner.pages
