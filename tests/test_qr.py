"""reports/qr.py's encoder (fixed mask, division in place, a layout per version) gives the
modules reportlab's own encoder gives with the same mask, for payloads of every length a
statement can carry and beyond (several versions and error correction blocks)."""

from __future__ import annotations

import random
import string

from reportlab.graphics.barcode import qrencoder

from opsmanager_desktop.reports import qr


def _reportlab(data: str) -> list[list[bool]]:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.version = code.calculate_version()
    code.makeImpl(False, qr.FIXED_MASK)
    return [[bool(m) for m in row] for row in code.modules]


def _division(poly: list[int], generator: list[int]) -> list[int]:
    """Long division of polynomials over GF(256), written out plainly."""
    exp, log = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE
    rest = list(poly)
    for i in range(len(poly) - len(generator) + 1):
        if rest[i]:
            factor = log[rest[i]] - log[generator[0]]
            for j, g in enumerate(generator):
                if g:
                    rest[i + j] ^= exp[(log[g] + factor) % 255]
    return rest[len(poly) - len(generator) + 1:]


def test_the_modules_are_reportlabs() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_uppercase + string.digits + ":.-"
    payloads = ["OPSMPAY:S202611-00000042:AC0000042:1234.56:20261216",
                "OPSMPAY:S202611-00000042-2:A1:0.00:", "x", "é ü ß"]
    payloads += ["OPSMPAY:" + "".join(rng.choice(alphabet) for _ in range(n))
                 for n in range(0, 400, 7)]
    for data in payloads:
        assert qr.qr_modules(data) == _reportlab(data), data


def test_the_error_correction_is_the_remainder_of_the_division() -> None:
    rng = random.Random(11)
    for ec in (10, 16, 26, 28):
        generator = qrencoder.QRUtil.getErrorCorrectPolynomial(ec)
        for _ in range(20):
            data = [rng.randrange(256) for _ in range(rng.randint(1, 60))]
            got = qrencoder.QRPolynomial(data, generator.getLength() - 1).mod(generator)
            expected = _division(data + [0] * (generator.getLength() - 1), generator.num)
            while expected and expected[0] == 0:
                expected = expected[1:]
            assert got.num == expected, (ec, data)
