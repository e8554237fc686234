"""An operator's mistakes and outages, as the real `catalog` command meets them: one clear line on stderr and an
exit code that says which kind of failure it was (`api/cli/exit_codes.py`), never a traceback."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.cli.exit_codes import ExitCode
from domain.storage.migrate import upgrade
from tests.integration.cli.conftest import catalog, closed_port_url, environment

EVERY_COMMAND_THAT_OPENS_A_STORE = [
    ["migrate"],
    ["serve", "--port", "0"],
    ["seed", "--demo", "--products", "1"],
    ["sync", "--once"],
    ["sync", "status"],
    ["deadletter", "list"],
    ["deadletter", "retry"],
    ["reindex"],
    ["verify"],
]


def assert_one_line(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("command", EVERY_COMMAND_THAT_OPENS_A_STORE, ids=" ".join)
def test_a_malformed_database_url_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    env = environment(tmp_path, database_url="sqlite//nope", elasticsearch_url=closed_port_url())

    outcome = catalog(env, tmp_path, *command)

    assert outcome.code == ExitCode.USAGE
    assert_one_line(outcome.stderr, "CATALOG_DATABASE_URL", "sqlite:///PATH")


@pytest.mark.parametrize("command", [["sync", "status"], ["deadletter", "list"]], ids=" ".join)
def test_a_database_without_the_catalog_tables_is_one_line_that_says_to_migrate(
    tmp_path: Path, command: list[str]
) -> None:
    env = environment(tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")

    outcome = catalog(env, tmp_path, *command)

    assert outcome.code == ExitCode.USAGE
    assert_one_line(outcome.stderr, "empty.db", "run `catalog migrate`")


@pytest.mark.parametrize(
    "command",
    [
        ["sync", "--once"],
        ["sync", "status"],
        ["sync", "repartition", "--partitions", "2"],
        ["deadletter", "list"],
        ["reindex"],
        ["verify"],
        ["webhooks", "deliveries"],
    ],
    ids=" ".join,
)
def test_a_database_behind_the_release_is_one_line_that_says_to_migrate_and_exit_2(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(url, "0003")
    env = environment(tmp_path, database_url=url, elasticsearch_url=closed_port_url())

    outcome = catalog(env, tmp_path, *command)

    assert outcome.code == ExitCode.USAGE
    assert_one_line(outcome.stderr, "behind.db", "behind this release", "run `catalog migrate`")


@pytest.mark.postgres
@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["serve", "--port", "0"],
        ["seed", "--demo", "--products", "1"],
        ["sync", "status", "--max-lag-seconds", "60"],
        ["deadletter", "list"],
        ["deadletter", "retry"],
        ["verify"],
    ],
    ids=" ".join,
)
def test_with_postgresql_stopped_a_command_says_so_in_one_line_and_exits_3(
    tmp_path: Path, stopped_postgres: str, elasticsearch_url: str, index_prefix: str, command: list[str]
) -> None:
    env = environment(
        tmp_path, database_url=stopped_postgres, elasticsearch_url=elasticsearch_url, index_prefix=index_prefix
    )

    outcome = catalog(env, tmp_path, *command)

    assert outcome.code == ExitCode.UNAVAILABLE
    port = str(urlsplit(stopped_postgres).port)
    assert_one_line(outcome.stderr, "database", f"127.0.0.1:{port}")


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["seed", "--demo", "--products", "1"], ["verify"]])
def test_with_elasticsearch_unreachable_a_command_says_so_and_how_to_use_the_managed_node(
    tmp_path: Path, sqlite_url: str, command: list[str]
) -> None:
    unreachable = closed_port_url()
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=unreachable)

    outcome = catalog(env, tmp_path, *command)

    assert outcome.code == ExitCode.UNAVAILABLE
    assert_one_line(outcome.stderr, "Elasticsearch", unreachable, "unset CATALOG_ELASTICSEARCH_URL")


def test_in_production_the_managed_node_is_not_suggested(tmp_path: Path, sqlite_url: str) -> None:
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=closed_port_url(), environment="production")

    outcome = catalog(env, tmp_path, "serve", "--port", "0")

    assert outcome.code == ExitCode.UNAVAILABLE
    assert_one_line(outcome.stderr, "Elasticsearch")
    assert "managed" not in outcome.stderr


@pytest.mark.elasticsearch
def test_verify_exits_0_when_clean_and_3_when_it_could_not_verify(
    tmp_path: Path, sqlite_url: str, elasticsearch_url: str, index_prefix: str
) -> None:
    env = environment(tmp_path, database_url=sqlite_url, elasticsearch_url=elasticsearch_url, index_prefix=index_prefix)
    assert catalog(env, tmp_path, "sync", "--once").code == ExitCode.OK

    clean = catalog(env, tmp_path, "verify")
    outage = catalog(env | {"CATALOG_ELASTICSEARCH_URL": closed_port_url()}, tmp_path, "verify")

    assert (clean.code, clean.stdout.splitlines()[-1]) == (ExitCode.OK, "clean")
    assert outage.code == ExitCode.UNAVAILABLE
    assert_one_line(outage.stderr, "Elasticsearch")


def test_in_production_the_service_refuses_to_start_without_a_configured_key(tmp_path: Path, sqlite_url: str) -> None:
    env = environment(tmp_path, database_url=sqlite_url, environment="production")
    del env["CATALOG_JWT_SECRET"]

    outcome = catalog(env, tmp_path, "serve", "--port", "0")

    assert outcome.code == ExitCode.USAGE
    assert_one_line(outcome.stderr, "CATALOG_ENVIRONMENT=production needs CATALOG_JWT_SECRET")
