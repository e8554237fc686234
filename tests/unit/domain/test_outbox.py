"""Consistency tokens: what a command returns and a query hands back, read strictly."""

import pytest

from domain.outbox import ConsistencyToken, InvalidToken, OutboxPosition

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
    "c2.0.1",
    "c2.0.1.2.3",
    "c2.0.5.4",  # the first position after the last
    "c2.0.\u0661.2",
    "c2.0.1." + "9" * 21,
]


@pytest.mark.parametrize("token", MALFORMED)
def test_only_ascii_digits_of_bounded_length_make_a_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        ConsistencyToken.parse(token)


def test_the_refusal_quotes_a_long_token_cut_short() -> None:
    with pytest.raises(InvalidToken) as refused:
        OutboxPosition.parse_token("c1." + "x" * 10_000)
    assert len(str(refused.value)) < 200


def test_a_position_reads_back_from_its_token() -> None:
    position = OutboxPosition(12345678901234567890, 42)
    assert OutboxPosition.parse_token(position.token()) == position


def test_a_token_names_the_first_and_the_last_position_of_its_command() -> None:
    token = ConsistencyToken(OutboxPosition(7, 10), OutboxPosition(7, 12))
    assert token.text() == "c2.7.10.12"
    assert ConsistencyToken.parse("c2.7.10.12") == token


def test_a_version_one_token_names_one_position_and_stays_valid() -> None:
    assert ConsistencyToken.parse("c1.7.12") == ConsistencyToken(OutboxPosition(7, 12), OutboxPosition(7, 12))


def test_a_token_covers_only_positions_of_its_own_transaction() -> None:
    token = ConsistencyToken(OutboxPosition(7, 10), OutboxPosition(7, 12))
    assert token.covers(OutboxPosition(7, 11))
    assert not token.covers(OutboxPosition(7, 13))
    assert not token.covers(OutboxPosition(8, 11))
