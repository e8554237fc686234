"""Consistency tokens: what a command returns and a query hands back, read strictly."""

import pytest

from domain.outbox import InvalidToken, OutboxPosition

MALFORMED = [
    "",
    "c1",
    "c1.0",
    "c1.0.1.2.3",
    "c9.0.1",
    "C1.0.1",
    "c1.x.y",
    "c1.-1.5",
    "c1.+1.5",
    "c1. 1.5",
    "c1.1.5 ",
    "c1.0.",
    "c1..1",
    "c1.\u00b9.1",  # superscript one: str.isdigit() says yes, int() says no
    "c1.0.\u0661",  # Arabic-Indic one: int() reads it as 1
    "c1.0.\uff11",  # fullwidth one
    "c1.0." + "9" * 5000,
    "c1.0." + "1" * 21,
    "c1.0.1" + "." * 10_000,
]


@pytest.mark.parametrize("token", MALFORMED)
def test_only_ascii_digits_of_bounded_length_make_a_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        OutboxPosition.parse_token(token)


def test_the_refusal_quotes_a_long_token_cut_short() -> None:
    with pytest.raises(InvalidToken) as refused:
        OutboxPosition.parse_token("c1." + "x" * 10_000)
    assert len(str(refused.value)) < 200


def test_a_position_reads_back_from_its_token() -> None:
    position = OutboxPosition(12345678901234567890, 42)
    assert OutboxPosition.parse_token(position.token()) == position
