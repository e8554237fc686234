"""Read-your-writes: the gate waits, bounded, for the worker's applied position, then refreshes once for searches."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from api.consistency import ConsistencyGate, NotYetConsistent, WriteNotIndexed
from domain.outbox import START, ConsistencyToken, InvalidToken, OutboxPosition
from sync.applied_position import AppliedState
from sync.published_dead_letters import PublishedDeadLetter


class FakeIndex:
    def __init__(self, applied: OutboxPosition = START) -> None:
        self.applied = applied
        self.dead: list[PublishedDeadLetter] = []
        self.polls = 0
        self.refreshes = 0
        self.searches = 0

    async def applied_states(self, partitions: Collection[int]) -> dict[int, AppliedState]:
        self.polls += 1
        return {partition: AppliedState(self.applied, len(self.dead)) for partition in partitions}

    async def refresh(self) -> None:
        self.refreshes += 1

    async def dead_letters_within(self, token: ConsistencyToken) -> list[PublishedDeadLetter]:
        self.searches += 1
        return [letter for letter in self.dead if token.covers(letter.position)]

    def dead_letter(self, position: OutboxPosition) -> None:
        self.dead.append(PublishedDeadLetter(1, "read-models", position, "product", "p-1", 2, "StockReceived"))


def gate(index: FakeIndex, timeout: float = 2.0) -> ConsistencyGate:
    return ConsistencyGate(index.applied_states, index.refresh, index.dead_letters_within, timeout_seconds=timeout)


async def test_without_a_token_nothing_waits() -> None:
    index = FakeIndex()
    await gate(index).wait(None, search=True)
    assert (index.polls, index.refreshes) == (0, 0)


async def test_a_malformed_token_is_refused() -> None:
    with pytest.raises(InvalidToken):
        await gate(FakeIndex()).wait("c1.x.y", search=False)


async def test_a_read_waits_until_the_worker_has_applied_the_token() -> None:
    index = FakeIndex(OutboxPosition(0, 3))
    waiting = asyncio.create_task(gate(index).wait(OutboxPosition(0, 5).token(), search=False))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    index.applied = OutboxPosition(0, 5)
    await asyncio.wait_for(waiting, 1)
    assert index.refreshes == 0


async def test_a_search_refreshes_once_then_trusts_what_it_saw() -> None:
    index = FakeIndex(OutboxPosition(0, 9))
    checked = gate(index)
    await checked.wait(OutboxPosition(0, 7).token(), search=True)
    await checked.wait(OutboxPosition(0, 8).token(), search=True)
    await checked.wait(OutboxPosition(0, 9).token(), search=False)
    assert (index.polls, index.refreshes) == (1, 1)


async def test_a_token_not_applied_in_time_is_not_yet_consistent() -> None:
    index = FakeIndex(OutboxPosition(0, 1))
    started = asyncio.get_running_loop().time()
    with pytest.raises(NotYetConsistent):
        await gate(index, timeout=0.2).wait(OutboxPosition(0, 2).token(), search=True)
    assert asyncio.get_running_loop().time() - started < 1
    assert index.refreshes == 0


async def test_positions_order_by_transaction_then_sequence() -> None:
    index = FakeIndex(OutboxPosition(7, 1))
    await gate(index).wait(OutboxPosition(6, 100).token(), search=False)


async def test_a_read_of_a_write_that_was_dead_lettered_is_refused_naming_it() -> None:
    index = FakeIndex(OutboxPosition(0, 9))
    index.dead_letter(OutboxPosition(0, 6))
    with pytest.raises(WriteNotIndexed) as refused:
        await gate(index).wait(ConsistencyToken(OutboxPosition(0, 5), OutboxPosition(0, 7)).text(), search=False)
    assert "p-1" in str(refused.value)
    assert "catalog deadletter retry" in str(refused.value)


async def test_a_read_of_a_write_next_to_a_dead_letter_is_served() -> None:
    index = FakeIndex(OutboxPosition(0, 9))
    index.dead_letter(OutboxPosition(0, 6))
    checked = gate(index)
    await checked.wait(ConsistencyToken(OutboxPosition(0, 7), OutboxPosition(0, 8)).text(), search=True)
    await checked.wait(OutboxPosition(0, 5).token(), search=False)
    assert index.refreshes == 1


async def test_without_dead_letters_nothing_is_looked_up() -> None:
    index = FakeIndex(OutboxPosition(0, 9))
    checked = gate(index)
    await checked.wait(OutboxPosition(0, 5).token(), search=True)
    await checked.wait(OutboxPosition(0, 6).token(), search=True)
    assert (index.polls, index.searches) == (1, 0)
