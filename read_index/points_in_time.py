"""The points in time (PITs) that make a walk through pages exact, and how first pages share them.

A walk searches every page, the first included, through one PIT: a frozen view of the index as it was when the
PIT was opened. Its cursors carry the PIT, so each page continues in the same view, whatever is written
meanwhile: every match of that view comes exactly once, in sort order. Each page's search extends the PIT by the
keep-alive (`CursorOptions.keep_alive_seconds`); a cursor whose PIT has gone (unused longer than that, or
released, below) is refused as expired.

Opening a PIT per first page would cost a round trip and a reader context each. Instead first pages share one PIT
per read model while it is younger than `window` (``max(1 s, keep-alive / PITs per read model)``): one open per
window per process, whatever the traffic. So a first page may be up to one window older than the live index,
besides the refresh interval. A first page that must see a write (a query with a consistency token, after the
gate's refresh) takes only a PIT whose opening began after the query got there, opening one if need be (which
then serves everyone).

Elasticsearch (8.x) sets no limit on open PITs (`search.max_open_pit_context` is OpenSearch's); each holds a
reader context and keeps the segments it sees from being deleted. So each process bounds its own: at most
`max_open` per read model counted alive (used within the keep-alive). Shared first pages open one per window,
which stays within the bound by the choice of window; when walks or reads with a token need more, opening one more
first releases the least recently used, and a walk still on it is told its cursor expired: exact, or refused,
never wrong. A PIT is opened on the alias's concrete index, which the cursor names too: searches are filtered on
it, so a forged cursor carrying another index's PIT reads nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch, NotFoundError

from read_index.indices import ORDERS, PRODUCTS, alias_name

log = logging.getLogger(__name__)

MIN_WINDOW_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class CursorOptions:
    keep_alive_seconds: float = 120.0
    """How long a cursor stays valid after the page that issued it (each page renews it)."""
    max_open: int = 240
    """PITs a process keeps open at most, split evenly between the read models."""


@dataclass(frozen=True, slots=True)
class PointInTime:
    id: str
    index: str
    """The concrete index the PIT was opened on; searches through it are filtered on it."""


@dataclass(slots=True)
class _Opened:
    pit: PointInTime
    serial: int  # the how-manieth opening of this pool (a fresher view has a larger one)
    opened_at: float
    last_used: float


class SharedPointsInTime:
    """The PITs of one read model (alias) that this process opened, and the one its first pages share now."""

    def __init__(self, client: AsyncElasticsearch, alias: str, keep_alive_seconds: float, max_open: int) -> None:
        if max_open < 1 or keep_alive_seconds <= 0:
            raise ValueError("a pool needs room for one point in time and a positive keep-alive")
        self._client = client
        self._alias = alias
        self._keep_alive_seconds = keep_alive_seconds
        self.keep_alive = f"{round(keep_alive_seconds * 1000)}ms"
        self._max_open = max_open
        self.window_seconds = max(MIN_WINDOW_SECONDS, keep_alive_seconds / max_open)
        self._opened: OrderedDict[str, _Opened] = OrderedDict()  # least recently used first
        self._current: _Opened | None = None
        self._serial = 0
        self._lock = asyncio.Lock()

    async def for_first_page(self, *, fresh: bool = False) -> PointInTime:
        """The PIT a first page searches: the shared one, or (`fresh`) one whose opening began after this call."""
        started = self._serial if fresh else None
        current = self._usable(started)
        if current is None:
            async with self._lock:
                current = self._usable(started) or await self._open()
        self._touch(current)
        return current.pit

    def used(self, pit: PointInTime) -> None:
        """A page was served through `pit` (a later page of a walk): it stays open for another keep-alive."""
        opened = self._opened.get(pit.id)
        if opened is not None:
            self._touch(opened)

    def discard(self, pit: PointInTime) -> None:
        """`pit` is gone in Elasticsearch (its index was deleted by a rebuild, say): never hand it out again."""
        self._opened.pop(pit.id, None)
        if self._current is not None and self._current.pit == pit:
            self._current = None

    def _usable(self, fresh_after: int | None) -> _Opened | None:
        current, now = self._current, time.monotonic()
        if current is None or now - current.last_used > self._keep_alive_seconds / 2:
            return None  # none, or it may expire before the search reaches it
        if fresh_after is not None:
            return current if current.serial > fresh_after else None
        return current if now - current.opened_at < self.window_seconds else None

    def _touch(self, opened: _Opened) -> None:
        opened.last_used = time.monotonic()
        if opened.pit.id in self._opened:  # not released meanwhile
            self._opened.move_to_end(opened.pit.id)

    async def _open(self) -> _Opened:
        self._serial += 1
        serial = self._serial
        await self._make_room()
        index = await self._concrete_index()
        response = await self._client.open_point_in_time(index=index, keep_alive=self.keep_alive)
        now = time.monotonic()
        opened = _Opened(PointInTime(response["id"], index), serial, now, now)
        self._opened[opened.pit.id] = opened
        self._current = opened
        return opened

    async def _make_room(self) -> None:
        """Forgets the PITs unused for longer than the keep-alive (Elasticsearch frees them), then, at the bound,
        releases the least recently used."""
        expired_before = time.monotonic() - self._keep_alive_seconds
        for pit_id in [pit_id for pit_id, o in self._opened.items() if o.last_used < expired_before]:
            del self._opened[pit_id]
        while len(self._opened) >= self._max_open:
            _, oldest = self._opened.popitem(last=False)
            if oldest is self._current:
                self._current = None  # first pages must not take it while it is being closed
            log.info("event=point_in_time_released index=%s reason=bound max_open=%d", self._alias, self._max_open)
            with suppress(NotFoundError):  # gone already
                await self._client.close_point_in_time(id=oldest.pit.id)

    async def _concrete_index(self) -> str:
        """The index the alias points at: a PIT opened on it is read through a filter naming it."""
        aliases = await self._client.indices.get_alias(name=self._alias)
        [index] = [str(name) for name in aliases.body]
        return index


class PointsInTime:
    """The shared PITs of a deployment's read models (`prefix`), for one process."""

    def __init__(self, client: AsyncElasticsearch, prefix: str, options: CursorOptions | None = None) -> None:
        chosen = options or CursorOptions()
        each = max(1, chosen.max_open // 2)
        self.products = SharedPointsInTime(client, alias_name(prefix, PRODUCTS), chosen.keep_alive_seconds, each)
        self.orders = SharedPointsInTime(client, alias_name(prefix, ORDERS), chosen.keep_alive_seconds, each)
