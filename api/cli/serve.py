"""`catalog serve`: the GraphQL API under uvicorn, with the sync worker in-process unless switched off."""

from __future__ import annotations

import asyncio

import click

from api.bootstrap import services
from api.cli.common import freeze_startup_heap, settings_from_environment, startup_errors_as_exit
from api.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the GraphQL API (and GraphiQL) after applying pending migrations.

    Uses CATALOG_ELASTICSEARCH_URL, or else the managed local Elasticsearch, started if needed. Runs the sync
    worker in the same process unless CATALOG_SYNC_IN_PROCESS=false (then run `catalog sync` beside it).
    """
    settings = settings_from_environment()
    with startup_errors_as_exit():
        _run(_serve(settings, host, port))


async def _serve(settings: Settings, host: str, port: int) -> None:
    # Imported here: every other `catalog` command (reindex, sync, token, ...) starts without the GraphQL stack.
    import uvicorn

    from api.app import create_app
    from api.fastpath.coalescing_http import CoalescingHttpProtocol

    async with services(settings) as built:
        app = create_app(settings, prebuilt=built)
        freeze_startup_heap()
        protocol = CoalescingHttpProtocol if settings.fast_path else "auto"  # "auto": uvicorn's own choice
        config = uvicorn.Config(
            app, host=host, port=port, access_log=False, log_config=None, lifespan="on", http=protocol
        )
        server = uvicorn.Server(config)
        shown_host = f"[{host}]" if ":" in host else host
        label = "GraphiQL" if settings.graphiql else "GraphQL"
        click.echo(f"{label}: http://{shown_host}:{port}/graphql", err=False)
        await server.serve()


def _run(main: object) -> None:
    """On uvloop when it is installed (uvicorn[standard] brings it): faster sockets and scheduling."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)  # type: ignore[arg-type]
        return
    uvloop.run(main)  # type: ignore[arg-type]
