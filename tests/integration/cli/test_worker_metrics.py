"""A standalone `catalog sync --metrics-port P` serves how long its Elasticsearch requests take, by operation."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration.cli.conftest import environment
from tests.integration.sync.conftest import cli_command
from tests.support.tcp_proxy import free_port

pytestmark = pytest.mark.elasticsearch


async def test_the_standalone_worker_serves_elasticsearch_request_latency_by_operation(
    tmp_path: Path, sqlite_url: str, elasticsearch_url: str, index_prefix: str
) -> None:
    port = free_port()
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=elasticsearch_url, index_prefix=index_prefix)
    worker = await asyncio.create_subprocess_exec(
        *cli_command("sync", "--metrics-port", str(port), "--poll-seconds", "0.05"),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as http, asyncio.timeout(60):
            while True:
                try:
                    text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                except httpx.TransportError:
                    text = ""
                # every tenure starts with one `_mget` of its applied positions (an idle outbox writes nothing)
                if 'catalog_elasticsearch_request_seconds_count{operation="mget"}' in text:
                    break
                await asyncio.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()

    assert 'catalog_elasticsearch_request_seconds_bucket{le="0.005",operation="mget"}' in text
