"""The README stays true to the code: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from api.cli import main
from api.cli.exit_codes import ExitCode
from api.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text()


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"`CATALOG_{field.upper()}`" in README


def _command_paths(group: click.Group, prefix: str) -> list[str]:
    """Every command under `group`, loaded as a user's command line would load it (`catalog` loads lazily)."""
    paths = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        paths.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, f"{prefix} {name}"))
    return paths


@pytest.mark.parametrize("command", _command_paths(main, "catalog"))
def test_every_command_is_in_the_readme(command: str) -> None:
    """Documented as `catalog group name`, or as `catalog group a|b|c` on one line."""
    parent, name = command.rsplit(" ", 1)
    lines = [line for line in README.splitlines() if f"`{parent} " in line or f"`{command}" in line]
    assert any(f"{parent} {name}" in line or f"|{name}" in line or f"{name}\\|" in line for line in lines)


@pytest.mark.parametrize("code", list(ExitCode), ids=lambda code: code.name)
def test_every_exit_code_is_in_the_readme(code: ExitCode) -> None:
    assert f"| `{code.value}` |" in README
