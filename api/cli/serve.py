"""`catalog serve`: the GraphQL API under uvicorn, with the sync worker in-process unless switched off."""

from __future__ import annotations

import asyncio

import click

from api.bootstrap import services
from api.cli.common import SERVE_YOUNG_OBJECTS, collect_less_often, freeze_startup_heap, settings_from_environment
from api.cli.managed_elasticsearch import with_elasticsearch_url
from api.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--demo", is_flag=True, help="Seed the demo catalog into an empty database; demo customer sign-in.")
def serve(host: str, port: int, demo: bool) -> None:
    """Serve the GraphQL API (and GraphiQL) after applying pending migrations.

    Uses CATALOG_ELASTICSEARCH_URL, or else the managed local Elasticsearch, started if needed. Runs the sync
    worker in the same process unless CATALOG_SYNC_IN_PROCESS=false (then run `catalog sync` beside it).
    With --demo, an empty database is first seeded with `catalog seed --demo`'s catalog, and the storefront may
    sign in as a demo customer (only with the generated development secret; see docs/frontend.md).
    """
    _run(_serve(settings_from_environment(), host, port, demo))


async def _serve(settings: Settings, host: str, port: int, demo: bool = False) -> None:
    # Imported here: every other `catalog` command (reindex, sync, token, ...) starts without the GraphQL stack.
    import uvicorn

    from api.app import create_app
    from api.fastpath.http_server import http_options

    settings = await with_elasticsearch_url(settings)
    async with services(settings) as built:
        app = create_app(settings, prebuilt=built)
        if demo:
            from api.cli.demo_mode import demo_mode

            app = await demo_mode(app, built)
        freeze_startup_heap()
        collect_less_often(SERVE_YOUNG_OBJECTS)
        config = uvicorn.Config(
            app, host=host, port=port, access_log=False, log_config=None, lifespan="on", **http_options(settings)
        )
        server = uvicorn.Server(config)
        shown_host = f"[{host}]" if ":" in host else host
        label = "GraphiQL" if settings.graphiql else "GraphQL"
        click.echo(f"{label}: http://{shown_host}:{port}/graphql", err=False)
        if settings.storefront:
            click.echo(f"Storefront: http://{shown_host}:{port}/")
        await server.serve()


def _run(main: object) -> None:
    """On uvloop when it is installed (uvicorn[standard] brings it): faster sockets and scheduling."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)  # type: ignore[arg-type]
        return
    uvloop.run(main)  # type: ignore[arg-type]
