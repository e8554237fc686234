"""A real `catalog serve` process on a free port, on a temporary SQLite file and the test Elasticsearch node;
one with the fast path and one without (`CATALOG_FAST_PATH`), so every test that serves runs on both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SECRET = "end-to-end-test-secret-long-enough-for-hs256"
CATALOG = str(Path(sys.executable).with_name("catalog"))
READY_SECONDS = 120


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]
    log: Path

    def token(self, *scopes: str, customer: str | None = None) -> str:
        args = [CATALOG, "token", *(f"--scope={scope}" for scope in scopes)]
        if customer:
            args.append(f"--customer={customer}")
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def catalog_env(tmp: Path, elasticsearch_url: str, prefix: str, *, fast_path: bool = True) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("CATALOG_")}
    return {
        **inherited,
        "CATALOG_DATABASE_URL": f"sqlite:///{tmp / 'catalog.db'}",
        "CATALOG_ELASTICSEARCH_URL": elasticsearch_url,
        "CATALOG_INDEX_PREFIX": prefix,
        "CATALOG_JWT_SECRET": SECRET,
        "CATALOG_CACHE_DIR": str(tmp / "cache"),
        "CATALOG_FAST_PATH": "true" if fast_path else "false",
    }


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "plain-path"])
def server(
    request: pytest.FixtureRequest, elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    prefix = f"e2e-{uuid.uuid4().hex[:12]}"
    env = catalog_env(tmp, elasticsearch_url, prefix, fast_path=request.param)
    yield from running_server(["serve"], env, tmp, elasticsearch_url)


def running_server(args: list[str], env: dict[str, str], tmp: Path, elasticsearch_url: str) -> Iterator[Server]:
    """`catalog ARGS --port P` on a free port, ready; stopped afterwards and its indices deleted."""
    server, process = start_serve(tmp, env, args)
    try:
        yield server
    finally:
        stop_serve(process)
        prefix = env["CATALOG_INDEX_PREFIX"]
        httpx.delete(f"{elasticsearch_url}/{prefix}-*", params={"expand_wildcards": "all"}, timeout=30)


def start_serve(
    tmp: Path, env: dict[str, str], args: list[str] | None = None
) -> tuple[Server, subprocess.Popen[bytes]]:
    """`catalog ARGS --port P` (ARGS default: `serve`) on a free port with `env`, logging to `tmp/serve.log`, once
    it is ready."""
    port = free_port()
    log = tmp / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [CATALOG, *(args or ["serve"]), "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, log)
    except BaseException:
        stop_serve(process)
        raise
    return Server(url, env, log), process


def stop_serve(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"catalog serve exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"catalog serve was not ready within {READY_SECONDS} s:\n{log.read_text()[-4000:]}")
