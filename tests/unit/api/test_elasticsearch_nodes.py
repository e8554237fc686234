"""CATALOG_ELASTICSEARCH_URL names one node or several of one cluster, comma-separated; each is checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.elasticsearch_nodes import node_urls, redacted
from api.settings import Settings


def test_several_nodes_are_read_in_order_with_the_blanks_around_them_dropped() -> None:
    assert node_urls(" http://es-1:9200 ,https://es-2:9243") == ["http://es-1:9200", "https://es-2:9243"]


@pytest.mark.parametrize("value", ["http://es-1:9200,", "es-1:9200", "ftp://es-1", "http://", "http://a:1,http://a:1"])
def test_an_empty_entry_a_url_that_is_not_http_or_a_node_named_twice_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"URL of a node|named twice"):
        node_urls(value)


def test_credentials_are_left_out_of_every_node_in_messages() -> None:
    assert redacted("http://u:secret@es-1:9200,http://es-2") == "http://es-1:9200,http://es-2"


def test_the_setting_refuses_a_bad_node_and_treats_blank_as_unset() -> None:
    with pytest.raises(ValidationError, match="not the http"):
        Settings.model_validate({"elasticsearch_url": "http://es-1:9200,es-2"})
    assert Settings.model_validate({"elasticsearch_url": "  "}).elasticsearch_url is None
    assert Settings.model_validate({"elasticsearch_url": "http://a:1, http://b:2"}).elasticsearch_url == (
        "http://a:1,http://b:2"
    )
