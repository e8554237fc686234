"""The lease a worker needs before it applies anything: claimed, renewed every third of its term while the worker
serves, released on the way out. Several workers may run against one deployment; one holds the lease, the others
stand by and take over once it is released or expires. See docs/sync.md ("Several workers: a lease")."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from contextlib import suppress
from datetime import timedelta

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage import sync_lease
from sync.retry import DATABASE_ERRORS, Outage, sleep_or_halt

log = logging.getLogger(__name__)


def default_owner() -> str:
    """host:pid:random, unique per worker even when several run on one host or in one process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseKeeper:
    def __init__(
        self,
        engine: AsyncEngine,
        subscription: str,
        owner: str,
        lease_seconds: float,
        *,
        outage: Outage,
        held_gauge: Gauge,
        partition: int = 0,
    ) -> None:
        self._engine = engine
        self._name = subscription
        self._partition = partition
        self._owner = owner
        self._ttl = timedelta(seconds=lease_seconds)
        self.renew_seconds = lease_seconds / 3
        """How often the holder renews the lease, and a standby worker tries to take it."""
        self._outage = outage
        self._held_gauge = held_gauge
        self._held = False
        self._standby_logged = False

    @property
    def held(self) -> bool:
        return self._held

    async def claim(self) -> bool:
        """Takes the lease if it is free, expired or already ours. True if this worker holds it now."""
        try:
            async with self._engine.begin() as connection:
                held = await sync_lease.claim_lease(connection, self._name, self._owner, self._ttl, self._partition)
                holder = None if held else await sync_lease.read_lease(connection, self._name, self._partition)
        except DATABASE_ERRORS as error:
            self._outage.failed(error)
            held, holder = False, None
        else:
            self._outage.recovered()
        if held and not self._held:
            log.info(
                "event=lease_acquired subscription=%s partition=%d owner=%s", self._name, self._partition, self._owner
            )
            self._standby_logged = False
        if not held and holder is not None and not self._standby_logged:
            log.info(
                "event=standing_by subscription=%s partition=%d owner=%s holder=%s",
                self._name,
                self._partition,
                self._owner,
                holder.owner,
            )
            self._standby_logged = True
        self._set_held(held)
        return held

    async def keep(self, halt: asyncio.Event) -> None:
        """Renews the lease until `halt` is set; sets `halt` itself if another worker took the lease over. Ends
        by itself once halted: cancelled inside its transaction, it could leave the connection behind mid-write,
        and on SQLite that connection keeps the write lock."""
        while not halt.is_set():
            await sleep_or_halt(self.renew_seconds, halt)
            if halt.is_set():
                return
            try:
                async with self._engine.begin() as connection:
                    held = await sync_lease.claim_lease(connection, self._name, self._owner, self._ttl, self._partition)
            except DATABASE_ERRORS as error:
                self._outage.failed(error)
                continue
            if not held:
                log.warning(
                    "event=lease_lost subscription=%s partition=%d owner=%s", self._name, self._partition, self._owner
                )
                self._set_held(False)
                halt.set()

    async def release(self) -> None:
        """Gives the lease up, if held, so that a standby worker takes over at once rather than at its expiry."""
        if not self._held:
            return
        self._set_held(False)
        with suppress(*DATABASE_ERRORS):
            async with self._engine.begin() as connection:
                await sync_lease.release_lease(connection, self._name, self._owner, self._partition)
            log.info(
                "event=lease_released subscription=%s partition=%d owner=%s", self._name, self._partition, self._owner
            )

    def _set_held(self, held: bool) -> None:
        self._held = held
        self._held_gauge.set(1 if held else 0)
