"""Text on the printed bill: how figures and dates are written, text fitted to a width,
and the font that has every letter of a name."""

from __future__ import annotations

import functools
import importlib.util
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from opsmanager_desktop.domain.money import format_money

FONT, BOLD = "Helvetica", "Helvetica-Bold"


@functools.cache
def _unicode_fonts() -> tuple[str, str] | None:
    """DejaVu Sans (regular, bold), registered once: the base-14 Helvetica holds only the
    Windows Latin-1 letters. The files come with matplotlib, a dependency already."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    try:
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
    except (OSError, TTFError):
        return None
    return "DejaVuSans", "DejaVuSans-Bold"


def font_for(text: str, bold: bool = False) -> str:
    """Helvetica when it has every letter of `text` (fast, nothing embedded); else DejaVu
    Sans (Latin with any accent, Greek, Cyrillic: names and addresses as written)."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        fonts = _unicode_fonts()
        if fonts is not None:
            return fonts[1] if bold else fonts[0]
    return BOLD if bold else FONT


def fmt_date(day: date | None) -> str:
    """1 Feb 2026: no day/month order to misread."""
    return "-" if day is None else f"{day.day} {day:%b %Y}"


def fmt_qty(value: Decimal | None) -> str:
    """Units and readings: thousands separators, no trailing zeros (1,234.5)."""
    if value is None:
        return "-"
    text = f"{value:,.3f}"
    return text.rstrip("0").rstrip(".")


def fmt_rate(value: Decimal | None) -> str:
    """At least two decimals, up to four (5.00, 3.3333)."""
    if value is None:
        return ""
    text = f"{value:,.4f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def fmt_due(value: Decimal) -> str:
    """A total due below zero is money the customer has in hand with us."""
    return f"{format_money(-value)} CR" if value < 0 else format_money(value)


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with an ellipsis) to fit `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "..."


def wrap(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    """Words on at most `lines` lines of `width`; the last one cut if need be."""
    words = text.replace("\n", " ").split()
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if stringWidth(candidate, font, size) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines - 1:
            current = " ".join([current, *words[words.index(word) + 1:]])
            break
    if current:
        out.append(current)
    return [fit(line, font, size, width) for line in out[:lines]]


def use_font(c: Any, name: str, size: float) -> None:
    """`c.setFont` unless that font is set already: a statement page asks for the same few
    fonts a hundred times, and each setFont writes an operator with its figures formatted."""
    if c._fontname != name or c._fontsize != size:
        c.setFont(name, size)


def use_fill(c: Any, color: Any) -> None:
    """`c.setFillColor` unless that colour is set already (as `use_font`)."""
    if c._fillColorObj != color:
        c.setFillColor(color)


_PLAIN = re.compile(r"[ -'*-\[\]-~]*")  # printable ASCII but ( ) \: written as it is


def put_text(c: Any, x: float, y: float, text: str, font: str, size: float,
             right: bool = False, centred: bool = False) -> None:
    """`text` at (x, y), or ending at x when `right`, or centred on x. Helvetica text goes
    straight into the page as one text operator (a fifth of what drawString costs, which
    builds a text object per string: a statement page has about seventy); any other font
    through the canvas's own drawString."""
    use_font(c, font, size)
    if font in (FONT, BOLD):
        if _PLAIN.fullmatch(text):
            escaped = text
        else:
            try:
                escaped = c._escape(text.encode("cp1252"))
            except UnicodeEncodeError:
                escaped = None
        if escaped is not None:
            if right or centred:
                x -= stringWidth(text, font, size) / (2 if centred else 1)
            c._code.append(f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm ({escaped}) Tj ET")
            return
    if centred:
        c.drawCentredString(x, y, text)
    elif right:
        c.drawRightString(x, y, text)
    else:
        c.drawString(x, y, text)
