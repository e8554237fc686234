"""Elasticsearch requests are labelled by what they do, from a small fixed set of values."""

from __future__ import annotations

import pytest

from api.elasticsearch_metrics import request_kind


@pytest.mark.parametrize(
    ("method", "target", "kind"),
    [
        ("POST", "/catalog-products/_search?filter_path=hits", "search"),
        ("GET", "/catalog-products/_doc/p-1", "get"),
        ("PUT", "/catalog-sync/_doc/read-models?if_seq_no=3", "index"),
        ("POST", "/_bulk?refresh=false", "bulk"),
        ("POST", "/catalog-products/_mget", "mget"),
        ("POST", "/catalog-products,catalog-orders/_refresh", "refresh"),
        ("GET", "/_cluster/health/catalog-products", "cluster"),
        ("POST", "/_aliases", "alias"),
        ("PUT", "/catalog-products-v1-initial", "create_index"),
        ("DELETE", "/catalog-products-v1-old", "delete_index"),
        ("POST", "/catalog-products/_unheard_of", "other"),
    ],
)
def test_a_request_is_labelled_by_its_operation(method: str, target: str, kind: str) -> None:
    assert request_kind(method, target) == kind
