"""The exit codes of every `catalog` command, defined once, so that a cron job or a health check can tell "the
check found something" from "the check could not run". `catalog --help` shows this table; so does the README."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FOUND = 1
    USAGE = 2
    UNAVAILABLE = 3
    INTERNAL = 4
    INTERRUPTED = 130


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "done; `verify`: clean; `sync status`: within the thresholds",
    ExitCode.FOUND: "the check found a problem: `verify` drift, `sync status` lag, `deadletter retry` still "
    "failing, `elasticsearch status` not running",
    ExitCode.USAGE: "bad usage or configuration: an option, a CATALOG_* value, a key file, a database without "
    "the catalog's tables or behind this release's schema",
    ExitCode.UNAVAILABLE: "a store did not answer (database or Elasticsearch): nothing was checked or changed; "
    "`reindex`: after waiting out the outage for --max-outage-seconds",
    ExitCode.INTERNAL: "an unexpected error (a bug): one line; CATALOG_LOG_LEVEL=DEBUG logs the traceback",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_code_help() -> str:
    """The table for `catalog --help` (click keeps the lines of a paragraph that starts with \\b)."""
    return "\n".join(["\b", "Exit codes:", *(f"  {code.value:<4} {meaning}" for code, meaning in MEANINGS.items())])
