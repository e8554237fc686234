"""One log format per stream: key=value event text becomes JSON fields, passed fields become key=value."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from api.logs import FIELDS, JsonFormatter, KeyValueFormatter, RequestIdFilter, configure_logging, event_fields
from api.request_id import REQUEST_ID
from api.settings import Settings


def record(message: str, *args: object, **fields: object) -> logging.LogRecord:
    made = logging.LogRecord("sync.retry", logging.WARNING, __file__, 1, message, args, None)
    if fields:
        setattr(made, FIELDS, fields)
    RequestIdFilter().filter(made)
    return made


def test_event_text_becomes_fields_quoted_values_numbers_and_words_to_the_next_key() -> None:
    text = "event=store_available store=database error=%r outage_seconds=%.1f retries=%d action=catching up"

    fields, rest = event_fields(text % ("OperationalError: port=5 refused", 12.5, 7))

    assert fields == {
        "event": "store_available",
        "store": "database",
        "error": "OperationalError: port=5 refused",
        "outage_seconds": 12.5,
        "retries": 7,
        "action": "catching up",
    }
    assert rest == ""


def test_text_before_the_first_key_is_kept_as_the_message() -> None:
    assert event_fields("worker stopped event=stopped") == ({"event": "stopped"}, "worker stopped")


def test_a_json_line_has_the_fields_of_the_text_and_those_passed() -> None:
    line = json.loads(JsonFormatter().format(record("event=request status=%d", 200, operation="searchProducts")))

    assert (line["level"], line["logger"], line["event"], line["status"]) == ("warning", "sync.retry", "request", 200)
    assert line["operation"] == "searchProducts"
    assert "message" not in line


def test_a_field_cannot_overwrite_the_level_or_the_logger() -> None:
    line = json.loads(JsonFormatter().format(record("event=x level=fake", logger="fake")))

    assert (line["level"], line["logger"]) == ("warning", "sync.retry")


def test_a_key_value_line_writes_passed_fields_as_pairs_quoting_what_is_not_one_word() -> None:
    line = KeyValueFormatter().format(record("event=request", path="/graphql", operation=None, client="a b"))

    assert line.endswith(" level=WARNING logger=sync.retry event=request path=/graphql client='a b'")


@pytest.mark.parametrize("formatter", [JsonFormatter(), KeyValueFormatter()], ids=["json", "key=value"])
def test_a_line_logged_during_a_request_carries_its_id(formatter: logging.Formatter) -> None:
    token = REQUEST_ID.set("abc123")
    try:
        line = formatter.format(record("event=x"))
    finally:
        REQUEST_ID.reset(token)

    assert "abc123" in line
    assert "abc123" not in formatter.format(record("event=x"))


def test_lines_go_to_stderr_as_it_is_when_they_are_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """A progress display replaces sys.stderr while it runs, to print log lines above its bars."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(Settings.model_validate({"log_level": "INFO"}))
        redirected = io.StringIO()
        monkeypatch.setattr(sys, "stderr", redirected)
        logging.getLogger("sync.retry").warning("event=store_unavailable store=elasticsearch")
    finally:
        root.handlers[:], root.level = saved

    assert "event=store_unavailable store=elasticsearch" in redirected.getvalue()
