from decimal import Decimal

import pytest

from domain.model.decimals import decimal_number
from domain.model.errors import ErrorCode
from domain.model.money import Money
from domain.model.validation import Checks


@pytest.mark.parametrize("amount", ["-0", "-0.00", "0E-2", "-0E+3", Decimal("-0.000")])
def test_a_zero_amount_is_plain_zero_whatever_its_sign_or_exponent(amount: str | Decimal) -> None:
    money = Money.checked("price", amount, "EUR")
    assert money.snapshot() == {"amount": "0.00", "currency": "EUR"}
    assert not money.amount.is_signed()


def test_money_made_from_a_negative_zero_is_plain_zero_too() -> None:
    assert Money.from_snapshot({"amount": "-0.00", "currency": "EUR"}).snapshot()["amount"] == "0.00"
    assert not Money(Decimal("-0.00"), "EUR").times(3).amount.is_signed()


@pytest.mark.parametrize(
    "text",
    ["1e400", "-1e400", "1e-400", "1E+21", "NaN", "-nan", "sNaN", "Infinity", "-Inf", "", " ", "1.2.3", "12,50",
     "1_000", "\u0661\u0662", "\u00b9", "0x10", "1e", "e5", "1" * 41, Decimal("Infinity"), Decimal("1e400")],
)  # fmt: skip
def test_only_finite_decimals_of_bounded_size_and_ascii_digits_are_numbers(text: str | Decimal) -> None:
    assert decimal_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("19.99", "19.99"), (" 5 ", "5"), ("+3", "3"), ("-2.5", "-2.5"), ("1e3", "1E+3"), (".5", "0.5"), ("7.", "7")],
)
def test_plain_decimal_text_is_read_exactly(text: str, value: str) -> None:
    assert decimal_number(text) == Decimal(value)


@pytest.mark.parametrize("amount", ["1e400", "Infinity", "NaN", "1e-400", "9" * 5000])
def test_money_refuses_an_amount_that_is_no_number_in_range_on_its_field(amount: str) -> None:
    checks = Checks()
    assert Money.parse(checks, "price", amount, "EUR") is None
    assert [(p.code, p.field) for p in checks.problems] == [(ErrorCode.VALIDATION, "price.amount")]
