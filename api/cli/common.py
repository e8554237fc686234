"""What every `catalog` command shares: the settings and logging (one-line failures: `api/cli/failures.py`)."""

from __future__ import annotations

import gc
import sys

import click
from pydantic import ValidationError

from api.cli.exit_codes import ExitCode
from api.logs import configure_logging
from api.settings import Settings


def freeze_startup_heap() -> None:
    """Takes what start-up created (modules, classes, the schema, clients) out of the garbage collector's sight.

    Every full collection walks every tracked object. A process that builds documents or answers requests
    allocates fast, so it collects often, and each time it would walk the hundreds of thousands of objects
    its imports left behind, which live as long as the process. Frozen, they are skipped (`gc.freeze`;
    docs/performance.md, finding 7).
    """
    gc.collect()
    gc.freeze()


SERVE_YOUNG_OBJECTS = 50_000
"""`catalog serve`: a bulk request keeps its rows' inputs, commands, aggregates and table rows alive until it
answers, tens of thousands of objects for 250 products; at CPython's default threshold (700) the collector runs
hundreds of times a request and walks them again each time, about 15% of a bulkCreateProducts' CPU
(docs/performance.md, finding 23). Objects freed by their reference count do not count towards the threshold, so
a request that leaves no cycles triggers no collection at all; cycles wait a little longer to be freed."""

WORKER_YOUNG_OBJECTS = 20_000
"""`catalog sync`: each partition's pipeline keeps about two batches of decoded states and their documents alive
while Elasticsearch indexes them, so they survive young collections and every full collection walks them all
again: with the default thresholds (700, 10, 10), one worker serving 4 partitions spent 1.9 s of its 5.4 s of CPU
in full collections over 20 000 products; at (20 000, 20, 20) it collects about 40 times instead of 1 300 and
spends 0.7 s (docs/performance.md, finding 24)."""


def collect_less_often(young_objects: int) -> None:
    """Collect after `young_objects` more container objects were made than freed (CPython: 700), and the older
    generations after 20 of the younger one's collections (CPython: 10). Memory grows by at most the garbage of
    the allocations between collections."""
    gc.set_threshold(young_objects, 20, 20)


def settings_from_environment() -> Settings:
    """The CATALOG_* settings, logging configured; a bad value is one line per problem and exit 2."""
    settings = read_settings()
    configure_logging(settings)
    return settings


def read_settings() -> Settings:
    """The CATALOG_* settings, logging left as it is; a bad value is one line per problem and exit 2 (USAGE)."""
    try:
        return Settings()  # type: ignore[call-arg]  # every field has a default; see api/settings.py
    except ValidationError as error:
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            if problem["loc"]:  # a rule of one setting, else of several (named in the message)
                message = "CATALOG_" + "_".join(str(part) for part in problem["loc"]).upper() + ": " + message
            click.echo(f"error: {message}", err=True)
        sys.exit(ExitCode.USAGE)


def environment_help() -> str:
    """The CATALOG_* variables with their meaning and default, for the epilog of every command's --help."""
    lines = ["\b", "Environment (also read from a .env file):"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "" if default is None else f" [default: {default}]"
        if name == "jwt_secret":
            shown = ""
        lines.append(f"  CATALOG_{name.upper():<28} {field.description or ''}{shown}")
    return "\n".join(lines)
