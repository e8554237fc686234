"""Questions asked of whatever listens on a loopback port: is the port taken, which node answers, is it healthy.

``GET /`` is not in the integ-test-zip, so the node is asked ``GET /_nodes/_local`` and ``GET /_cluster/health``.
"""

from __future__ import annotations

import socket
from contextlib import suppress
from typing import Any

import httpx

_NODE_FIELDS = "filter_path=nodes.*.version,nodes.*.settings.path.data,nodes.*.process.id"


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def local_node_info(url: str) -> dict[str, Any] | None:
    """Version, data path and pid of the node answering at ``url``; None if nothing answers as a node."""
    try:
        response = httpx.get(f"{url}/_nodes/_local?{_NODE_FIELDS}", timeout=5)
        nodes = response.json().get("nodes", {}) if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    info = next(iter(nodes.values()), None)
    return info if isinstance(info, dict) else None


def data_paths(info: dict[str, Any]) -> list[object]:
    """The data paths a node reports (one string, or a list of them)."""
    data = info.get("settings", {}).get("path", {}).get("data")
    return data if isinstance(data, list) else [data]


def cluster_is_yellow(url: str) -> bool:
    """Whether the cluster at ``url`` reaches yellow within a second."""
    with suppress(httpx.HTTPError):
        return httpx.get(f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5).status_code == 200
    return False


def cluster_health(url: str, **conditions: str) -> dict[str, Any] | None:
    """``GET /_cluster/health`` of the node at ``url``, waiting (a few seconds at most) for ``conditions`` such as
    ``wait_for_status="green"``; whether they were met is the answer's ``timed_out``. None if nothing answers."""
    try:
        response = httpx.get(f"{url}/_cluster/health", params={"timeout": "2s", **conditions}, timeout=10)
        health = response.json() if response.status_code in (200, 408) else None
    except (httpx.HTTPError, ValueError):
        return None
    return health if isinstance(health, dict) else None


def unassigned_shard_reason(url: str) -> str | None:
    """Why a shard copy is unassigned, in one line, as ``GET /_cluster/allocation/explain`` tells of the first;
    None when every copy is assigned (some may still be initializing)."""
    try:
        explained = httpx.get(f"{url}/_cluster/allocation/explain", timeout=10).json()
        copy = "primary" if explained["primary"] else "replica"
        reason = explained.get("unassigned_info", {}).get("reason", "unknown")
        where = f"{explained['index']}[{explained['shard']}] {copy}"
        return f"{where} unassigned ({reason}): {explained.get('allocate_explanation', 'no explanation')}"
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def master_node_name(url: str) -> str | None:
    """The name of the elected master, as the node at ``url`` knows it; None if there is none or no answer."""
    try:
        rows = httpx.get(f"{url}/_cat/master", params={"format": "json", "h": "node"}, timeout=5).json()
        name = rows[0]["node"] if isinstance(rows, list) and rows else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None
