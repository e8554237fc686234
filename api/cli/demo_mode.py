"""`catalog serve --demo`: seed an empty database with the demo catalog, and let the storefront sign in as the
demo customer when (and only when) tokens are signed with the generated development secret."""

from __future__ import annotations

import click
from starlette.types import ASGIApp

from api.bootstrap import Services
from api.cli.seed import seed_with_progress
from api.demo.customer_token import PATH, WithDemoCustomerToken, signs_with_development_secret
from api.demo.seed import DEFAULT_PRODUCTS, outbox_events


async def demo_mode(app: ASGIApp, built: Services) -> ASGIApp:
    """Seeds (an empty database only: `catalog serve --demo` never adds to existing data), then the app with
    POST /demo/customer-token when the development secret signs tokens; the app as it is otherwise."""
    if await outbox_events(built.engine) == 0:
        for line in (await seed_with_progress(built, DEFAULT_PRODUCTS)).lines():
            click.echo(line)
    else:
        click.echo("demo: the database holds data already; not seeding (`catalog seed --demo` adds what is missing)")
    if not signs_with_development_secret(built.settings):
        click.echo(f"demo: {PATH} is off: tokens are signed with a configured key, not the development secret")
        return app
    click.echo(f"demo: customer sign-in at POST {PATH} (development secret only)")
    return WithDemoCustomerToken(app, built.authenticator)
