"""`catalog seed --demo` as a user runs it, and plain `catalog serve`, which never offers a demo sign-in."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import CATALOG, Server, catalog_env

pytestmark = [pytest.mark.e2e, pytest.mark.elasticsearch]


def test_catalog_seed_writes_the_demo_catalog_once(elasticsearch_url: str, tmp_path: Path) -> None:
    prefix = f"e2e-seed-{uuid.uuid4().hex[:12]}"
    env = catalog_env(tmp_path, elasticsearch_url, prefix)
    seed = [CATALOG, "seed", "--demo", "--products", "40"]
    try:
        first = subprocess.run(seed, env=env, capture_output=True, text=True, timeout=300, check=True)
        again = subprocess.run(seed, env=env, capture_output=True, text=True, timeout=300, check=True)
    finally:
        httpx.delete(f"{elasticsearch_url}/{prefix}-*", params={"expand_wildcards": "all"}, timeout=30)
    assert "demo catalog: 40 products and their orders" in first.stdout
    assert "searchable after" in first.stdout
    assert again.stdout.strip() == "demo catalog of 40 products already there: nothing written"


def test_plain_serve_offers_no_demo_customer_token(server: Server) -> None:
    assert httpx.post(f"{server.url}/demo/customer-token", timeout=30).status_code == 404
