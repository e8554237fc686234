"""Failures of a `catalog` command as the operator sees them: one line on stderr and an exit code from
`exit_codes`, never a traceback. Every subcommand runs inside `one_line_failures` (see `CatalogGroup`), so a
command only words the failures it knows better than this module does (`OperatorError`).

An unexpected error is a bug: its line says so, and with CATALOG_LOG_LEVEL=DEBUG the traceback is logged.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from api.cli.exit_codes import ExitCode
from api.elasticsearch_nodes import redacted
from api.readiness import one_line
from api.settings import Settings
from api.startup_errors import StartupError, StoreUnavailable
from api.store_errors import DATABASE, ELASTICSEARCH, redacted_database_url, store_trouble
from domain.storage.schema_revision import SchemaMismatch
from sync.retry import OutageTooLong

log = logging.getLogger("catalog.cli")

MANAGED_NODE_HINT = "unset CATALOG_ELASTICSEARCH_URL to use the managed local node instead"


class OperatorError(Exception):
    """A failure a command words itself: the message and the exit code."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CatalogGroup(click.Group):
    """A group whose subcommands fail in one line with an exit code of `ExitCode`."""

    def invoke(self, ctx: click.Context) -> Any:
        with one_line_failures():
            return super().invoke(ctx)


@contextmanager
def one_line_failures() -> Iterator[None]:
    try:
        yield
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise  # click's own: usage errors (exit 2) and explicit exits
    except KeyboardInterrupt:
        fail(ExitCode.INTERRUPTED, "interrupted")
    except Exception as error:
        code, message = explain(error)
        if code is ExitCode.INTERNAL:
            log.debug("event=command_failed", exc_info=error)
        fail(code, message)


def fail(code: ExitCode, message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def explain(error: Exception) -> tuple[ExitCode, str]:
    """The exit code and the line for `error`."""
    if isinstance(error, OperatorError):
        return error.code, error.message
    settings = _settings()
    if isinstance(error, StoreUnavailable):
        return ExitCode.UNAVAILABLE, _with_hint(str(error), error.store, settings)
    if isinstance(error, StartupError):
        return ExitCode.USAGE, str(error)
    if isinstance(error, OutageTooLong):
        return ExitCode.UNAVAILABLE, str(error)
    if isinstance(error, SchemaMismatch):
        return ExitCode.USAGE, f"{_where(DATABASE, settings)} {error.detail}"
    trouble = store_trouble(error)
    if trouble is None:
        return ExitCode.INTERNAL, f"unexpected {type(error).__name__}: {one_line(error)} (a bug; please report it)"
    where = _where(trouble.store, settings)
    reason = one_line(getattr(error, "orig", None) or error)
    if trouble.unavailable:
        return ExitCode.UNAVAILABLE, _with_hint(f"{where} does not answer: {reason}", trouble.store, settings)
    hint = f" ({trouble.hint})" if trouble.hint else ""
    return ExitCode.USAGE, f"{where} refused: {reason}{hint}"


def _settings() -> Settings | None:
    try:
        return Settings()  # type: ignore[call-arg]  # every field has a default; see api/settings.py
    except ValidationError:
        return None


def _where(store: str, settings: Settings | None) -> str:
    if settings is None:
        return f"the {store}" if store == DATABASE else store
    if store == DATABASE:
        return f"the database at {redacted_database_url(settings.database_url)}"
    if settings.elasticsearch_url:
        return f"Elasticsearch at {redacted(settings.elasticsearch_url)}"
    return f"the managed Elasticsearch on port {settings.elasticsearch_port}"


def _with_hint(message: str, store: str, settings: Settings | None) -> str:
    """Elasticsearch at a configured URL did not answer: in development, the managed node is an alternative."""
    if store != ELASTICSEARCH or settings is None or not settings.elasticsearch_url:
        return message
    if settings.environment != "development":
        return message
    return f"{message} ({MANAGED_NODE_HINT})"
