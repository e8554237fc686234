"""What `catalog serve` hands `uvicorn.Config` for HTTP: the guarded protocol, always (`guarded_http`), with the
fast path's response coalescing on top when `CATALOG_FAST_PATH` is on (`coalescing_http`); the keep-alive idle
timeout; no WebSocket upgrades (the service has no WebSocket route); no `server` header."""

from __future__ import annotations

from typing import Any

from api.fastpath.coalescing_http import CoalescingHttpProtocol
from api.fastpath.guarded_http import GuardedHttpProtocol, HttpLimits
from api.settings import Settings


def http_options(settings: Settings) -> dict[str, Any]:
    base = CoalescingHttpProtocol if settings.fast_path else GuardedHttpProtocol
    protocol = type(base.__name__, (base,), {"limits": HttpLimits.from_settings(settings)})
    return {
        "http": protocol,
        "ws": "none",
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        "server_header": False,
    }
