"""What the indices hold: the mapping of each read model (their names and versions: `read_index.indices`).

Mappings are ``dynamic: strict``, so a document that does not fit fails loudly instead of growing the mapping.
The ``search`` object of a product holds text prepared by :mod:`read_index.analysis`; its fields use the
``boolean`` similarity, so a hit's score is a function of the query and that document only (not of corpus
statistics) and ``search_after`` cursors over relevance stay valid while other documents change.
"""

from __future__ import annotations

from typing import Any

_KEYWORD: dict[str, Any] = {"type": "keyword"}
_DATE: dict[str, Any] = {"type": "date"}
_SHOWN_ONLY: dict[str, Any] = {"type": "keyword", "index": False, "doc_values": False}
_SHOWN_ONLY_TEXT: dict[str, Any] = {"type": "text", "index": False}
_SHOWN_ONLY_OBJECT: dict[str, Any] = {"type": "object", "enabled": False}
_SHOWN_ONLY_COUNT: dict[str, Any] = {"type": "long", "index": False, "doc_values": False}
_BOOLEAN: dict[str, Any] = {"type": "boolean"}
_SKU: dict[str, Any] = {"type": "keyword", "fields": {"lower": {"type": "keyword", "normalizer": "lowercase"}}}
_MATCHED: dict[str, Any] = {"type": "text", "analyzer": "standard", "similarity": "boolean", "norms": False}
_MATCHED_INTO_ALL: dict[str, Any] = {**_MATCHED, "copy_to": "search.all"}

_VARIANT_FIELDS: dict[str, Any] = {
    "id": _SHOWN_ONLY, "sku": _SHOWN_ONLY, "name": _SHOWN_ONLY_TEXT, "options": _SHOWN_ONLY_OBJECT,
    "option_pairs": _KEYWORD, "status": _SHOWN_ONLY, "active": _BOOLEAN, "in_stock": _BOOLEAN,
    "price": {"properties": {"amount": _SHOWN_ONLY, "currency": _SHOWN_ONLY, "value": {"type": "double"}}},
    "on_hand": _SHOWN_ONLY_COUNT, "reserved": _SHOWN_ONLY_COUNT, "available": _SHOWN_ONLY_COUNT,
}  # fmt: skip

PRODUCT_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "sku": _SKU,
        "name": _SHOWN_ONLY_TEXT,
        "description": _SHOWN_ONLY_TEXT,
        "brand": _KEYWORD,
        "category_path": _KEYWORD,
        "category_prefixes": _KEYWORD,
        "attributes": {"type": "nested", "properties": {"name": _KEYWORD, "value": _KEYWORD}},
        "price": {"properties": {"amount": _SHOWN_ONLY, "currency": _KEYWORD, "value": {"type": "double"}}},
        "status": _KEYWORD,
        # `integer` suffices: the domain bounds a product's stock on hand, all of it together, by ON_HAND_MAX
        # (domain/model/input_limits.py, 10^9 < 2^31), and reserved and available never exceed it. A bound that
        # outgrows 2^31 needs `long` here, a mapping version bump and `catalog reindex`.
        "on_hand": {"type": "integer"},
        "reserved": {"type": "integer"},
        "available": {"type": "integer"},
        "in_stock": _BOOLEAN,
        "version": {"type": "long"},
        "created_at": _DATE,
        "updated_at": _DATE,
        "search": {
            "properties": {
                "name": _MATCHED_INTO_ALL,
                "name_folded": _MATCHED,
                "name_sort": _KEYWORD,
                "brand": _MATCHED_INTO_ALL,
                "category": _MATCHED_INTO_ALL,
                "attributes": _MATCHED_INTO_ALL,
                "description": _MATCHED_INTO_ALL,
                "all": {**_MATCHED, "index_options": "docs"},
            }
        },
        # Version 2 (issue 16): variants nested, so conditions on one variant hold for the same one; the twins below.
        "slug": _KEYWORD,
        "images": _SHOWN_ONLY_OBJECT,
        "skus": _SKU,
        "variants": {"type": "nested", "properties": _VARIANT_FIELDS},
        "option_pairs": _KEYWORD,
        "variant_prices": {"type": "double"},
        "price_range": _SHOWN_ONLY_OBJECT,
        "options": _SHOWN_ONLY_OBJECT,
    },
}

ORDER_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "customer_id": _KEYWORD,
        "status": _KEYWORD,
        "lines": {"type": "object", "enabled": False},
        "total": {"properties": {"amount": _SHOWN_ONLY, "currency": _KEYWORD}},
        "version": {"type": "long"},
        "placed_at": _DATE,
        "updated_at": _DATE,
    },
}

WEBHOOK_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "url": _SHOWN_ONLY,
        "events": _KEYWORD,
        "active": {"type": "boolean"},
        "version": {"type": "long"},
        "created_at": _DATE,
        "updated_at": _DATE,
    },
}
