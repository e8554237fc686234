"""The `catalog` command's own subcommands, through click's runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.cli import main
from api.cli.exit_codes import ExitCode
from api.cli.failures import explain

SECRET = "a-cli-test-secret-that-is-long-enough-for-hs256"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("CATALOG_CACHE_DIR", str(tmp_path / "cache"))
    return CliRunner()


def test_help_lists_the_commands_and_the_environment(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "migrate", "token", "sync", "elasticsearch", "deadletter", "reindex", "verify"):
        assert command in result.output
    assert "CATALOG_DATABASE_URL" in result.output
    assert "CATALOG_JWT_SECRET" in result.output
    for words in (["serve"], ["token"], ["migrate"], ["sync"], ["elasticsearch", "start"]):
        assert "CATALOG_ELASTICSEARCH_URL" in runner.invoke(main, [*words, "--help"]).output, words


def test_each_subcommand_loads_under_its_own_name_and_an_unknown_one_is_a_usage_error(runner: CliRunner) -> None:
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        assert command.name == name
    result = runner.invoke(main, ["reindx"])
    assert result.exit_code == ExitCode.USAGE
    assert "No such command 'reindx'" in result.output


def test_a_subcommand_does_not_load_the_others() -> None:
    """`catalog reindex` starts without the GraphQL schema, the importer or the server (they cost it start-up)."""
    unused = ("graphql", "strawberry", "uvicorn", "api.catalog_files.importing")
    code = (
        "import sys, click; from api.cli import main; main.get_command(click.Context(main), 'reindex'); "
        f"print(sorted(m for m in {unused!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_serve_help_names_the_defaults(runner: CliRunner) -> None:
    output = runner.invoke(main, ["serve", "--help"]).output
    assert "127.0.0.1" in output
    assert "8000" in output


def test_token_prints_a_token_with_the_scopes_and_customer(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_JWT_SECRET", SECRET)
    result = runner.invoke(main, ["token", "--scope", "orders:place", "--customer", "carol", "--ttl", "60"])
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip(), SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["scope"], claims["exp"] - claims["iat"]) == ("carol", "orders:place", 60)


def test_token_refuses_clearly_when_only_a_public_key_is_configured(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = tmp_path / "public.pem"
    pem.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    monkeypatch.setenv("CATALOG_JWT_PUBLIC_KEY_FILE", str(pem))
    monkeypatch.delenv("CATALOG_JWT_SECRET", raising=False)
    result = runner.invoke(main, ["token", "--scope", "catalog:write"])
    assert result.exit_code == 2
    assert "public key" in result.output
    assert "Traceback" not in result.output


def test_token_refuses_unknown_scopes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["token", "--scope", "everything"])
    assert result.exit_code == 2


def test_a_bad_setting_is_one_line_per_problem(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_INDEX_PREFIX", "Not Valid!")
    result = runner.invoke(main, ["token", "--scope", "catalog:write"])
    assert result.exit_code == 2
    assert "CATALOG_INDEX_PREFIX" in result.output


def test_help_lists_every_exit_code(runner: CliRunner) -> None:
    output = runner.invoke(main, ["--help"]).output

    assert "Exit codes:" in output
    for code in ExitCode:
        assert f"  {code.value:<4} " in output, code


def test_an_unexpected_error_is_one_line_that_calls_it_a_bug() -> None:
    assert explain(RuntimeError("boom\nat line 2")) == (
        ExitCode.INTERNAL,
        "unexpected RuntimeError: boom at line 2 (a bug; please report it)",
    )
