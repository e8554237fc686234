"""`catalog token`: a signed bearer token for development and internal tools (HS256 configurations only)."""

from __future__ import annotations

import click

from api.cli.common import settings_from_environment
from api.cli.exit_codes import ExitCode
from api.cli.failures import OperatorError
from api.scopes import Scope

DEFAULT_SUBJECT = "catalog-cli"


@click.command()
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([scope.value for scope in Scope]),
    help="A scope to grant; repeat for several.",
)
@click.option("--customer", help="Customer id: the token acts for this customer (its `sub`); use orders:place.")
@click.option("--subject", default=DEFAULT_SUBJECT, show_default=True, help="`sub` of a staff token.")
@click.option("--ttl", type=click.IntRange(1, 366 * 24 * 3600), default=3600, show_default=True, help="Seconds.")
def token(scopes: tuple[str, ...], customer: str | None, subject: str, ttl: int) -> None:
    """Print a token signed with CATALOG_JWT_SECRET (or the generated development secret).

    \b
    Scopes: catalog:write (product commands), inventory:write (stock commands), orders:write (any order
    command), orders:read (read any order), orders:place (a customer token: place, pay and cancel its own
    orders, read its own orders; give --customer).
    """
    from api.auth import TokenConfigurationError, authenticator_from_settings

    settings = settings_from_environment()
    try:
        authenticator = authenticator_from_settings(settings)
        signed = authenticator.issue(scopes, customer or subject, ttl)
    except TokenConfigurationError as error:
        raise OperatorError(ExitCode.USAGE, str(error)) from None
    click.echo(signed)
