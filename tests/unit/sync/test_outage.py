"""An outage is logged once each way; with a bound, it ends in `OutageTooLong` once it lasted that long."""

from __future__ import annotations

import logging

import pytest

from sync.retry import Outage, OutageTooLong


def test_an_unbounded_outage_is_waited_out_and_logged_once_each_way(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sync.retry")
    outage = Outage("database")

    for _ in range(5):
        outage.failed("connection refused")
    outage.recovered()

    assert [record.getMessage().split()[0] for record in caplog.records] == [
        "event=store_unavailable",
        "event=store_available",
    ]


def test_a_bounded_outage_says_how_long_it_waits_and_gives_up_after_that(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sync.retry")
    outage = Outage("elasticsearch", give_up_after=0.0)

    outage.failed("connection refused")
    with pytest.raises(OutageTooLong, match=r"^Elasticsearch has not answered for 0 s.*connection refused"):
        outage.failed("connection refused")

    assert "action=waiting up to 0 s for it" in caplog.records[0].getMessage()
