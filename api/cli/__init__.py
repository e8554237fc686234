"""The `catalog` command: serve the API, migrate, issue tokens, run the sync worker, manage Elasticsearch."""

from __future__ import annotations

import click

from api.cli.catalog_files import export, import_
from api.cli.common import environment_help
from api.cli.deadletter import deadletter
from api.cli.elasticsearch import elasticsearch
from api.cli.exit_codes import exit_code_help
from api.cli.failures import CatalogGroup
from api.cli.migrate import migrate
from api.cli.reindex import reindex
from api.cli.seed import seed
from api.cli.serve import serve
from api.cli.sync import sync
from api.cli.token import token
from api.cli.verify import verify
from api.cli.webhooks import webhooks

COMMANDS: list[click.Command] = [
    serve,
    migrate,
    token,
    sync,
    deadletter,
    webhooks,
    reindex,
    verify,
    elasticsearch,
    seed,
    import_,
    export,
]


@click.group(
    cls=CatalogGroup,
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


for _command in COMMANDS:
    _with_environment_help(_command)
    main.add_command(_command)
