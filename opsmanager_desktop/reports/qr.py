"""QR codes drawn straight onto a reportlab canvas, fast enough for a bill run.

Five things make reportlab's QR code slow for tens of thousands of codes, and are avoided:
- its encoder tries all eight mask patterns and scores each; any mask gives a valid code
  that every reader decodes (the mask is written in the code's format bits), so one fixed
  mask is used;
- it builds the Reed-Solomon generator polynomial again for every code, though it depends
  only on the number of error correction codewords: it is cached here;
- it divides by that polynomial recursively, a new list per step (a third of a statement
  page's drawing time): the same division is done here in place, with the log tables;
- it lays the fixed patterns out and walks the data positions, asking the mask of each,
  for every code: the layout of a version (patterns, format bits of the fixed mask, data
  positions with their mask bits) is kept, and a code only copies it and fills its bits;
- drawing a module (or a run of modules) as a reportlab rectangle formats four floats in
  Python; the code is instead written as PDF operators in module units (whole numbers)
  under one scaling transform.
"""

from __future__ import annotations

import functools
from typing import Any

from reportlab.graphics.barcode import qrencoder

FIXED_MASK = 2  # vertical stripes; any of 0-7 is valid
QUIET_ZONE = 4  # modules of white border the standard asks for


def _remainder(self: Any, divisor: Any) -> Any:
    """QRPolynomial.mod done in one list: the same remainder (leading zeros dropped)."""
    num, by = list(self.num), divisor.num
    if len(num) < len(by):
        return self
    logs = [qrencoder.LOG_TABLE[c] for c in by]  # a generator's coefficients are not 0
    exp, log = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE
    for i in range(len(num) - len(by) + 1):
        if num[i]:
            ratio = log[num[i]] - logs[0]
            for j, c in enumerate(logs):
                num[i + j] ^= exp[(c + ratio) % 255]
    return qrencoder.QRPolynomial(num[len(num) - len(by) + 1:], 0)


def _speed_up_encoder() -> None:
    util: Any = qrencoder.QRUtil
    if not getattr(util, "_opsm_cached", False):
        original = util.getErrorCorrectPolynomial
        util.getErrorCorrectPolynomial = staticmethod(functools.cache(original))
        qrencoder.QRPolynomial.mod = _remainder
        util._opsm_cached = True


_speed_up_encoder()


@functools.cache
def _layout(version: int) -> tuple[tuple[tuple[bool, ...], ...], tuple[tuple[int, int, bool], ...]]:
    """A version's fixed modules (finder, alignment and timing patterns, format bits of
    the fixed mask and level M) and its data positions in order, with their mask bit."""
    code = qrencoder.QRCode(version, qrencoder.QRErrorCorrectLevel.M)
    code.addData("0")  # a code of this version with any data; its data bits are replaced
    code.makeImpl(False, FIXED_MASK)
    mask = qrencoder.QRUtil.getMask(FIXED_MASK)
    places = tuple((row, col, bool(mask(row, col))) for col, row in code.dataPosIterator())
    for row, col, _flip in places:
        code.modules[row][col] = False
    return tuple(tuple(bool(m) for m in row) for row in code.modules), places


def qr_modules(data: str) -> list[list[bool]]:
    """The code's modules, row by row (True = dark); error correction level M, the same
    modules as reportlab's own encoder with the fixed mask."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    version = code.calculate_version()
    fixed, places = _layout(version)
    codewords = qrencoder.QRCode.createData(version, qrencoder.QRErrorCorrectLevel.M,
                                            code.dataList)
    bits = [bool(byte >> shift & 1) for byte in codewords for shift in range(7, -1, -1)]
    bits += [False] * (len(places) - len(bits))  # remainder bits: light before the mask
    modules = [list(row) for row in fixed]
    for (row, col, flip), bit in zip(places, bits, strict=False):
        modules[row][col] = bit ^ flip
    return modules


def qr_operators(modules: list[list[bool]]) -> str:
    """Filled rectangles, one per horizontal run of dark modules, in module units with the
    origin at the top left of the code (rows grow downwards)."""
    ops = []
    for r, row in enumerate(modules):
        count = len(row)
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    ops.append("f")
    return "\n".join(ops)


def draw_qr(canvas: Any, data: str, x: float, y: float, size: float) -> None:
    """The code for `data` in the square (x, y, size), quiet zone included."""
    modules = qr_modules(data)
    step = size / (len(modules) + 2 * QUIET_ZONE)
    left = x + QUIET_ZONE * step
    top = y + size - QUIET_ZONE * step
    canvas.saveState()
    # module (column, row) -> page point; rows run downwards
    canvas.transform(step, 0, 0, -step, left, top)
    canvas.addLiteral(qr_operators(modules))
    canvas.restoreState()
