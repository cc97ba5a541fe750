"""Exact decimals on every database.

MySQL/MariaDB stores DECIMAL(p, s) exactly. SQLite has no exact decimal: a NUMERIC column
holds a binary float there, so sums drift (0.10 + 0.20 != 0.30). On SQLite these columns
therefore hold integers scaled by 10**s (cents for money), which SQLite sums and compares
exactly; the Python side always sees Decimal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class ScaledDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._factor = Decimal(10) ** scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not accepted for exact decimal columns")
        value = Decimal(value)
        if value != value.quantize(self._quantum):
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(value * self._factor)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):
                # a scaled integer that went through SQL arithmetic producing REAL
                raise TypeError("exact decimal column came back as REAL from SQLite")
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    def __repr__(self) -> str:
        return f"ScaledDecimal({self.precision}, {self.scale})"

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def Money() -> ScaledDecimal:
    return ScaledDecimal(14, 2)


def Rate() -> ScaledDecimal:
    return ScaledDecimal(12, 4)


def Quantity() -> ScaledDecimal:
    return ScaledDecimal(14, 3)


def Percent() -> ScaledDecimal:
    return ScaledDecimal(7, 4)
