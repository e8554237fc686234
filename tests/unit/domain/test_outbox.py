"""Consistency tokens: what a command returns and a query hands back, read strictly."""

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import String

from domain.outbox import (
    MAX_PARTITIONS,
    TOKEN_MAX,
    TOKEN_PART_MAX,
    ConsistencyToken,
    InvalidToken,
    OutboxPosition,
    partition_of,
)
from domain.storage.tables import idempotency_keys

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
    "c3.0.1.2",
    "c3.0.1.2.0",  # no partition
    "c3.0.1.2." + str(1 << 32),  # a partition the outbox can never have
    "c4.7.10.9.3",
    "c4.7.10.9.3.0",  # no partition
    "c4.9.3.7.10.1",  # the first position after the last
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


def test_a_token_names_the_partitions_its_command_wrote() -> None:
    token = ConsistencyToken.of([OutboxPosition(7, 10), OutboxPosition(7, 12)], [0, 3])
    assert token.text() == "c3.7.10.12.9"
    assert ConsistencyToken.parse("c3.7.10.12.9") == token
    assert token.partitions == frozenset({0, 3})


@given(st.frozensets(st.integers(0, MAX_PARTITIONS - 1), min_size=1))
def test_a_token_reads_back_every_set_of_partitions_it_can_name(partitions: frozenset[int]) -> None:
    token = ConsistencyToken.of([OutboxPosition(7, 10)], partitions)
    assert ConsistencyToken.parse(token.text()).partitions == partitions


def test_an_older_token_names_no_partition_so_a_read_waits_for_every_one() -> None:
    assert ConsistencyToken.parse("c2.7.10.12").partitions is None
    assert ConsistencyToken.parse("c1.7.12").partitions is None


def test_a_covering_token_spans_every_command_and_names_every_partition_they_wrote() -> None:
    earlier = ConsistencyToken.of([OutboxPosition(7, 10)], [1])
    latest = ConsistencyToken.of([OutboxPosition(9, 3), OutboxPosition(9, 4)], [2])
    covering = ConsistencyToken.covering([latest, earlier])
    assert covering == ConsistencyToken(OutboxPosition(7, 10), OutboxPosition(9, 4), frozenset({1, 2}))
    assert covering.covers(OutboxPosition(7, 10))
    assert covering.text() == "c4.7.10.9.4.6"
    assert ConsistencyToken.parse("c4.7.10.9.4.6") == covering


def test_a_covering_token_within_one_transaction_is_a_range_token_as_before() -> None:
    rows = [ConsistencyToken.of([OutboxPosition(0, sequence)], [0]) for sequence in (5, 6, 7)]
    assert ConsistencyToken.covering(rows) == ConsistencyToken.parse("c3.0.5.7.1")


def test_a_covering_token_over_an_older_token_waits_for_every_partition() -> None:
    older = ConsistencyToken.parse("c2.7.10.12")
    latest = ConsistencyToken.of([OutboxPosition(9, 3)], [2])
    covering = ConsistencyToken.covering([older, latest])
    assert covering == ConsistencyToken(OutboxPosition(7, 10), OutboxPosition(9, 3))
    assert ConsistencyToken.parse(covering.text()).partitions == frozenset(range(MAX_PARTITIONS))
    assert ConsistencyToken.covering([]) is None


def test_the_longest_partitioned_token_fits_where_tokens_are_kept() -> None:
    biggest = "9" * TOKEN_PART_MAX
    token = f"c3.{biggest}.{biggest}.{biggest}.{(1 << MAX_PARTITIONS) - 1}"
    column = idempotency_keys.c.consistency_token.type
    assert isinstance(column, String)
    assert column.length is not None
    assert len(token) <= column.length
    assert ConsistencyToken.parse(token).partitions == frozenset(range(MAX_PARTITIONS))


def test_the_longest_spanning_token_is_read() -> None:
    biggest = "9" * TOKEN_PART_MAX
    token = f"c4.{biggest}.{biggest}.{biggest}.{biggest}.{(1 << MAX_PARTITIONS) - 1}"
    assert len(token) <= TOKEN_MAX
    assert ConsistencyToken.parse(token).last == OutboxPosition(int(biggest), int(biggest))


def test_an_aggregate_is_in_the_same_partition_in_every_process_and_release() -> None:
    # CRC-32 of "product:p-1": fixed, unlike hash(); a change here would scatter existing aggregates.
    assert partition_of("product", "p-1", 4) == zlib.crc32(b"product:p-1") % 4
    assert [partition_of("product", "p-1", n) for n in (1, 2, 4, 32)] == [0, 1, 1, 25]
