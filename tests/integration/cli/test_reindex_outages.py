"""`catalog reindex` waits out an outage of either store like the sync worker does, but bounded: one line when
the wait starts, one when it ends, and one clear failure (exit 3) when the outage outlasts --max-outage-seconds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.cli.exit_codes import ExitCode
from tests.integration.cli.conftest import catalog, closed_port_url, environment
from tests.integration.sync.conftest import cli_command
from tests.support.tcp_proxy import TcpProxy, free_port


def test_reindex_gives_up_after_the_bound_with_one_line_when_waiting_and_one_when_failing(
    tmp_path: Path, sqlite_url: str
) -> None:
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=closed_port_url())

    outcome = catalog(env, tmp_path, "reindex", "--max-outage-seconds", "1")

    assert outcome.code == ExitCode.UNAVAILABLE
    waiting, failure = outcome.error_lines
    assert "event=store_unavailable store=elasticsearch" in waiting
    assert "waiting up to 1 s" in waiting
    assert failure.startswith("error: Elasticsearch has not answered for ")
    assert "run `catalog reindex` again" in failure


@pytest.mark.postgres
@pytest.mark.elasticsearch
def test_reindex_waits_for_a_stopped_database_within_the_bound(
    tmp_path: Path, stopped_postgres: str, elasticsearch_url: str, index_prefix: str
) -> None:
    env = environment(
        tmp_path, database_url=stopped_postgres, elasticsearch_url=elasticsearch_url, index_prefix=index_prefix
    )

    outcome = catalog(env, tmp_path, "reindex", "--max-outage-seconds", "1")

    assert outcome.code == ExitCode.UNAVAILABLE
    assert len(outcome.error_lines) == 2, outcome.stderr
    assert outcome.error_lines[-1].startswith("error: the database has not answered for ")


@pytest.mark.elasticsearch
async def test_reindex_waits_out_an_elasticsearch_outage_and_resumes(
    tmp_path: Path, sqlite_url: str, elasticsearch_url: str, index_prefix: str
) -> None:
    """Elasticsearch (behind a proxy that is not listening yet) is down when the rebuild starts, then answers."""
    upstream = urlsplit(elasticsearch_url)
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 9200, port=free_port())
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=proxy.url, index_prefix=index_prefix)
    process = await asyncio.create_subprocess_exec(
        *cli_command("reindex", "--max-outage-seconds", "120"),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        async with asyncio.timeout(60):
            waiting = (await process.stderr.readline()).decode()
        assert "event=store_unavailable store=elasticsearch" in waiting
        async with proxy, asyncio.timeout(120):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == ExitCode.OK, stderr.decode()
    assert "event=store_available store=elasticsearch" in stderr.decode()
    assert "products: 0 documents copied" in stdout.decode()


async def test_reindex_interrupted_while_waiting_exits_130_in_one_line(tmp_path: Path, sqlite_url: str) -> None:
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=closed_port_url())
    process = await asyncio.create_subprocess_exec(
        *cli_command("reindex"),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_as_from_a_terminal,
    )
    assert process.stderr is not None
    async with asyncio.timeout(60):
        await process.stderr.readline()  # waiting for Elasticsearch
        process.send_signal(signal.SIGINT)
        _, stderr = await process.communicate()

    assert process.returncode == ExitCode.INTERRUPTED
    assert stderr.decode().strip().splitlines() == ["error: interrupted"]


def _as_from_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: a child inherits an ignored SIGINT (some earlier test's library leaves the
    test process ignoring it), and a command started ignoring SIGINT rightly keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
