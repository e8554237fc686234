"""Read-your-writes: the gate waits, bounded, for the worker's applied position, then refreshes once for searches."""

from __future__ import annotations

import asyncio

import pytest

from api.consistency import ConsistencyGate, NotYetConsistent
from domain.outbox import START, InvalidToken, OutboxPosition


class FakeIndex:
    def __init__(self, applied: OutboxPosition = START) -> None:
        self.applied = applied
        self.polls = 0
        self.refreshes = 0

    async def applied_position(self) -> OutboxPosition:
        self.polls += 1
        return self.applied

    async def refresh(self) -> None:
        self.refreshes += 1


def gate(index: FakeIndex, timeout: float = 2.0) -> ConsistencyGate:
    return ConsistencyGate(index.applied_position, index.refresh, timeout_seconds=timeout)


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
