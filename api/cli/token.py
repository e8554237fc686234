"""`catalog token`: a signed bearer token for development and internal tools (HS256 configurations only)."""

from __future__ import annotations

import sys

import click

from api.cli.common import EXIT_STARTUP, settings_from_environment
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
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_STARTUP)
    click.echo(signed)
