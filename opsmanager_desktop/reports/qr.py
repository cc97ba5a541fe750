"""QR codes drawn straight onto a reportlab canvas, fast enough for a bill run.

Three things make reportlab's QR code slow for tens of thousands of codes, and are avoided:
- its encoder tries all eight mask patterns and scores each; any mask gives a valid code
  that every reader decodes (the mask is written in the code's format bits), so one fixed
  mask is used;
- it builds the Reed-Solomon generator polynomial again for every code, though it depends
  only on the number of error correction codewords: it is cached here;
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


def _cache_generator_polynomials() -> None:
    util: Any = qrencoder.QRUtil
    if not getattr(util, "_opsm_cached", False):
        original = util.getErrorCorrectPolynomial
        util.getErrorCorrectPolynomial = staticmethod(functools.cache(original))
        util._opsm_cached = True


_cache_generator_polynomials()


def qr_modules(data: str) -> list[list[bool]]:
    """The code's modules, row by row (True = dark); error correction level M."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.version = code.calculate_version()
    code.makeImpl(False, FIXED_MASK)
    return [list(row) for row in code.modules]


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
