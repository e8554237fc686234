from decimal import Decimal

import pytest

from domain.model.money import Money


@pytest.mark.parametrize("amount", ["-0", "-0.00", "0E-2", "-0E+3", Decimal("-0.000")])
def test_a_zero_amount_is_plain_zero_whatever_its_sign_or_exponent(amount: str | Decimal) -> None:
    money = Money.checked("price", amount, "EUR")
    assert money.snapshot() == {"amount": "0.00", "currency": "EUR"}
    assert not money.amount.is_signed()


def test_money_made_from_a_negative_zero_is_plain_zero_too() -> None:
    assert Money.from_snapshot({"amount": "-0.00", "currency": "EUR"}).snapshot()["amount"] == "0.00"
    assert not Money(Decimal("-0.00"), "EUR").times(3).amount.is_signed()
