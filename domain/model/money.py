"""Money as an exact decimal in one ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.model.currencies import MINOR_UNITS
from domain.model.decimals import NOT_A_DECIMAL, decimal_number
from domain.model.input_limits import PRICE_MAX
from domain.model.quoting import quoted
from domain.model.snapshots import MoneySnapshot
from domain.model.validation import Checks


@dataclass(frozen=True, slots=True)
class Money:
    """An amount is never a negative zero: "-0", "-0.00" and "0E-2" are all 0.00, so a price filter from 0 finds them
    (a -0.0 in the index's double field would fall below a range starting at 0)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.amount.is_zero() and self.amount.is_signed():
            object.__setattr__(self, "amount", self.amount.copy_abs())

    @classmethod
    def parse(cls, checks: Checks, field: str, amount: str | Decimal, currency: str) -> Money | None:
        """Validates into `checks`; the amount is normalised to the currency's minor units ('19.9' -> '19.90')."""
        code = currency.strip().upper()
        if code not in MINOR_UNITS:
            checks.fail(f"{field}.currency", f"{quoted(currency)} is not an ISO 4217 currency code")
            return None
        value = decimal_number(amount)
        if value is None:
            checks.fail(f"{field}.amount", NOT_A_DECIMAL)
            return None
        minor_units = MINOR_UNITS[code]
        quantum = Decimal(1).scaleb(-minor_units)
        if value < 0:
            checks.fail(f"{field}.amount", "must not be negative")
        elif value > PRICE_MAX:
            checks.fail(f"{field}.amount", f"must be at most {PRICE_MAX}")
        elif value != value.quantize(quantum):
            checks.fail(f"{field}.amount", f"{code} has {minor_units} decimal places at most")
        else:
            return cls(value.quantize(quantum), code)
        return None

    @classmethod
    def checked(cls, field: str, amount: str | Decimal, currency: str) -> Money:
        """`parse` on its own: the money, or ValidationFailed naming `<field>.amount` or `<field>.currency`."""
        checks = Checks()
        money = cls.parse(checks, field, amount, currency)
        checks.raise_if_any()
        assert money is not None
        return money

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def plus(self, other: Money) -> Money:
        assert other.currency == self.currency, "adding amounts of different currencies"
        return Money(self.amount + other.amount, self.currency)

    def snapshot(self) -> MoneySnapshot:
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_snapshot(cls, snapshot: MoneySnapshot) -> Money:
        return cls(Decimal(snapshot["amount"]), snapshot["currency"])
