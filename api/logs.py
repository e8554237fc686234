"""Structured logs: one event per line, key=value (default) or JSON (`CATALOG_LOG_JSON=true`).

Access lines are always one JSON object each, on the `catalog.access` logger, at INFO: they follow
`CATALOG_LOG_LEVEL` like every other line, so WARNING (or ERROR) switches them off, and with them a timestamp,
a JSON dump and a write to stderr per request. No line carries a token or a secret: the access log records
neither headers nor bodies.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

from api.settings import Settings

ACCESS_LOGGER = "catalog.access"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class KeyValueFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")


def configure_logging(settings: Settings) -> None:
    """Idempotent: replaces the root handlers, so that `catalog serve` and uvicorn log the same way."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_json else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    access = logging.getLogger(ACCESS_LOGGER)
    access_handler = logging.StreamHandler(sys.stderr)
    access_handler.setFormatter(logging.Formatter("%(message)s"))
    access.handlers[:] = [access_handler]
    access.propagate = False
    access.setLevel(settings.log_level.upper())
    for noisy in ("elastic_transport", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # elastic_transport warns with a traceback on every retry of every request while Elasticsearch is down; the
    # service logs each outage once instead (api.outages, sync.retry)
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)


def access_line(fields: dict[str, Any]) -> str:
    return orjson.dumps({"ts": _timestamp(time.time()), **fields}).decode()


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"
