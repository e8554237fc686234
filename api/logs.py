"""Structured logs: one event per line, and one format for the whole stream (stderr): key=value by default, one
JSON object per line with `CATALOG_LOG_JSON=true`.

A log call writes its event as key=value text (`log.warning("event=store_unavailable store=%s error=%r", ...)`)
or passes fields (`log.info("event=request", extra={FIELDS: {...}})`, as the access log does). The JSON format
turns both into fields of the object (the text parsed: `error='…'` is the string, `ms=1.5` the number); the
key=value format appends passed fields as key=value. A line written while a request is served carries its
`request_id` (`api/request_id.py`), in either format.

Access lines (one per request) are on the `catalog.access` logger, at INFO: they follow `CATALOG_LOG_LEVEL` like
every other line, so WARNING (or ERROR) switches them off. No line carries a token or a secret: the access log
records neither headers nor bodies.
"""

from __future__ import annotations

import ast
import logging
import re
import sys
import time
from typing import Any

import orjson

from api.request_id import REQUEST_ID
from api.settings import Settings

ACCESS_LOGGER = "catalog.access"
FIELDS = "fields"
"""The `extra` key under which a log call passes its fields (a dict)."""

_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_.]*)=")
_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_NEEDS_QUOTES = re.compile(r"""[\s'"=]""")
_RESERVED = frozenset({"ts", "level", "logger", "message", "request_id", "exception"})


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields, text = event_fields(record.getMessage())
        fields.update(getattr(record, FIELDS, None) or {})
        line: dict[str, Any] = {"ts": _timestamp(record.created), "level": record.levelname.lower()}
        line["logger"] = record.name
        line.update((key, value) for key, value in fields.items() if key not in _RESERVED)
        if text:
            line["message"] = text
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class KeyValueFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        parts = [super().formatMessage(record)]
        fields: dict[str, Any] = getattr(record, FIELDS, None) or {}
        parts.extend(f"{key}={_plain(value)}" for key, value in fields.items() if value is not None)
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            parts.append(f"request_id={request_id}")
        return " ".join(part for part in parts if part)


def event_fields(text: str) -> tuple[dict[str, Any], str]:
    """The key=value pairs of an event's text, and whatever text is not a pair.

    A value is a quoted Python literal (what `%r` writes), or else runs to the next `key=` (so
    `action=finishing the current batch` is one value); plain numbers become numbers.
    """
    fields: dict[str, Any] = {}
    rest: list[str] = []
    position = 0
    while (key := _KEY.search(text, position)) is not None:
        rest.append(text[position : key.start()])
        quoted = _QUOTED.match(text, key.end())
        if quoted is not None:
            fields[key.group(1)] = _literal(quoted.group())
            position = quoted.end()
            continue
        following = _KEY.search(text, key.end())
        position = following.start() if following is not None else len(text)
        value = text[key.end() : position].strip()
        fields[key.group(1)] = _number(value) if _NUMBER.fullmatch(value) else value
    rest.append(text[position:])
    return fields, " ".join(" ".join(rest).split())


def _literal(quoted: str) -> str:
    try:
        return str(ast.literal_eval(quoted))
    except (ValueError, SyntaxError):  # quotes written by hand, not by %r: keep the text between them
        return quoted[1:-1]


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _plain(value: object) -> str:
    """A value for a key=value line: as is when it is one plain word or number, else quoted (as `%r` quotes)."""
    text = str(value)
    return repr(text) if not text or _NEEDS_QUOTES.search(text) else text


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to `sys.stderr` as it is when a line is written: a progress display (`catalog reindex`'s) replaces
    it while it runs, to print lines above its bars instead of having them overwritten."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _stream: Any) -> None:
        """The stream is always the current sys.stderr."""


def configure_logging(settings: Settings) -> None:
    """Idempotent: replaces the root handler, so that `catalog serve`, uvicorn and the access log write one format."""
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if settings.log_json else KeyValueFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers.clear()
    access.propagate = True
    access.setLevel(settings.log_level.upper())
    # Their lines repeat what ours say once (a store outage: api.outages, sync.retry; a migration applied), or what
    # the access log says; elastic_transport would warn with a traceback on every retry while Elasticsearch is down.
    for noisy in ("elastic_transport", "alembic", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"
