"""Per-request state: the shared backends, the request's Authorization header, and the caller once known."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from api.auth import Authenticator, Caller
from api.consistency import ConsistencyGate
from api.metrics import CommandMetrics
from api.outages import StoreOutages
from domain.bus import MessageBus
from read_index.queries import CatalogReader


class Backends(Protocol):
    """What resolvers use; `bootstrap.Services` provides it."""

    @property
    def bus(self) -> MessageBus: ...

    @property
    def reader(self) -> CatalogReader: ...

    @property
    def authenticator(self) -> Authenticator: ...

    @property
    def consistency(self) -> ConsistencyGate: ...

    @property
    def commands(self) -> CommandMetrics: ...

    @property
    def outages(self) -> StoreOutages: ...


@dataclass(slots=True)
class RequestContext:
    backends: Backends
    authorization: str | None = None
    _caller: Caller | None = field(default=None, repr=False)

    def caller(self) -> Caller:
        """The authenticated caller; raises api.auth.AccessDenied(UNAUTHENTICATED) without a valid token."""
        if self._caller is None:
            self._caller = self.backends.authenticator.authenticate(self.authorization)
        return self._caller
