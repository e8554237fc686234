"""The `catalog` command: serve the API, migrate, issue tokens, run the sync worker, manage Elasticsearch.

Each subcommand's module is imported when that subcommand runs (click's lazily loaded subcommands): `catalog
reindex` or `catalog token` does not pay for the GraphQL schema, the importer or the server it never uses.
"""

from __future__ import annotations

import importlib

import click

from api.cli.common import environment_help
from api.cli.exit_codes import exit_code_help
from api.cli.failures import CatalogGroup

COMMANDS: dict[str, str] = {
    "serve": "api.cli.serve:serve",
    "migrate": "api.cli.migrate:migrate",
    "token": "api.cli.token:token",
    "sync": "api.cli.sync:sync",
    "deadletter": "api.cli.deadletter:deadletter",
    "webhooks": "api.cli.webhooks:webhooks",
    "reindex": "api.cli.reindex:reindex",
    "verify": "api.cli.verify:verify",
    "elasticsearch": "api.cli.elasticsearch:elasticsearch",
    "seed": "api.cli.seed:seed",
    "import": "api.cli.catalog_files:import_",
    "export": "api.cli.catalog_files:export",
}
"""Subcommand name -> `module:attribute` of its click command."""


class LazyCatalogGroup(CatalogGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        _with_environment_help(command)
        return command


@click.group(
    cls=LazyCatalogGroup,
    epilog=exit_code_help() + "\n\n" + environment_help(),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="catalog-service")
def main() -> None:
    """A CQRS GraphQL API for a commerce catalog: SQL write model, transactional outbox, Elasticsearch reads.

    \b
    Start with `catalog serve` (SQLite and a managed local Elasticsearch by default).
    """


def _with_environment_help(command: click.Command) -> None:
    command.epilog = command.epilog or environment_help()
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_environment_help(sub)
