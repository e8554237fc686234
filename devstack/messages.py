"""One line out of a tool's output, for error messages that fit on one line and still say what went wrong."""

from __future__ import annotations

import re
from pathlib import Path

ERROR_MARKS = ("error", "FATAL", "PANIC", "ERROR")
_ELASTICSEARCH_LOG_PREFIX = re.compile(r"^(\[[^\]]*\]\s*){4}")  # [time][level][logger] [node]


def last_line(output: str, limit: int = 300) -> str:
    """The last non-blank line of ``output``, shortened to ``limit`` characters."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    return last if len(last) <= limit else last[: limit - 3] + "..."


def last_error_line(output: str) -> str:
    """The last line of ``output`` that reports an error, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if any(mark in line for mark in ERROR_MARKS)]
    return (errors or lines or ["no output"])[-1]


def first_line(error: Exception) -> str:
    return str(error).strip().partition("\n")[0] or type(error).__name__


def first_error_in_log(log_file: Path) -> str:
    """The first exception named in an Elasticsearch log (else its last line), shortened: a hint for a message."""
    try:
        lines = [line for line in log_file.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    causes = [line for line in lines if "Exception" in line and not line[:1].isspace()]
    hint = causes[0] if causes else (lines[-1] if lines else "no output")
    return last_line(_ELASTICSEARCH_LOG_PREFIX.sub("", hint))
