"""The API's own Prometheus metrics that count something by name and outcome and time it by name: HTTP requests
(by route and status) and commands (by mutation, and `OK` or the error code of the refusal). Registered on the
registry the caller passes; `/metrics` serves it. Elasticsearch's requests: `api/elasticsearch_metrics.py`."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

OK = "OK"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class CountedAndTimed:
    """A counter `<counter>_total{<name>,<outcome>}` and a histogram `<histogram>{<name>}` of seconds."""

    def __init__(
        self, registry: CollectorRegistry, counter: tuple[str, str], histogram: tuple[str, str], labels: tuple[str, str]
    ) -> None:
        self.counter = Counter(*counter, list(labels), registry=registry)
        self.seconds = Histogram(*histogram, [labels[0]], buckets=BUCKETS, registry=registry)
        self._children: dict[tuple[str, object], tuple[Any, Any]] = {}

    def observe(self, name: str, outcome: object, seconds: float) -> None:
        # `labels()` validates and locks on every call; the labelled children never change, so keep them.
        children = self._children.get((name, outcome))
        if children is None:
            children = self._children[name, outcome] = (
                self.counter.labels(name, str(outcome)),
                self.seconds.labels(name),
            )
        children[0].inc()
        children[1].observe(seconds)


class HttpMetrics(CountedAndTimed):
    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(
            registry,
            ("catalog_http_requests", "HTTP requests by route and status"),
            ("catalog_http_request_seconds", "Time to answer an HTTP request, by route"),
            ("route", "status"),
        )


class CommandMetrics(CountedAndTimed):
    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(
            registry,
            ("catalog_commands", "Commands run, by mutation and outcome (OK or the error code)"),
            ("catalog_command_seconds", "Time to run a command, by mutation"),
            ("command", "outcome"),
        )
