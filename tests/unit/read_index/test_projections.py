"""Outbox records become versioned index operations, newest per document."""

from __future__ import annotations

import orjson

from domain.outbox import EncodedState, OutboxRecord
from read_index.documents import CATEGORY_SEPARATOR, product_document
from read_index.projections import project
from tests.integration.read_index.states import order_state, product_state, record


def test_a_batch_keeps_the_newest_version_of_each_document() -> None:
    base = product_state("Lamp")
    states = [{**base, "version": version} for version in (2, 3, 1)]

    ops = project([record("product", state) for state in states])

    assert [(op.read_model, op.doc_id, op.version) for op in ops] == [("products", base["id"], 3)]


def test_records_without_state_and_of_unknown_aggregates_project_nothing() -> None:
    order = order_state("alice", placed_minutes=0)

    ops = project(
        [
            record("order", None, id="o-1", version=1),
            record("invoice", {"id": "i", "version": 1}),
            record("order", order),
        ]
    )

    assert [(op.read_model, op.doc_id, op.version, op.document) for op in ops] == [("orders", order["id"], 1, order)]


def test_a_product_document_adds_what_searching_needs() -> None:
    state = product_state(
        "Crème Sofas",
        category_path=["Furniture", "Sofas"],
        attributes=[("color", "Red")],
        price="1999.90",
        on_hand=3,
        reserved=3,
    )

    document = product_document(state)

    assert document["category_prefixes"] == ["Furniture", f"Furniture{CATEGORY_SEPARATOR}Sofas"]
    assert document["attributes"] == [{"name": "color", "value": "Red"}]
    assert document["price"] == {"amount": "1999.90", "currency": "EUR", "value": 1999.9}
    assert (document["available"], document["in_stock"]) == (0, False)
    assert document["search"]["name"] == "creme sofa"
    assert document["search"]["name_sort"] == "creme sofas"


def test_in_stock_means_active_with_some_available() -> None:
    def in_stock(status: str, on_hand: int) -> bool:
        return bool(product_document(product_state("Lamp", status=status, on_hand=on_hand))["in_stock"])

    assert in_stock("ACTIVE", 1)
    assert not in_stock("ACTIVE", 0)
    assert not in_stock("DISCONTINUED", 5)


def test_only_the_newest_record_of_an_aggregate_is_projected() -> None:
    newest = product_state("Lamp", version=2)
    unprojectable = {"id": newest["id"], "version": 1}  # would raise if it were made into a document

    ops = project([record("product", newest), record("product", unprojectable)])

    assert [(op.doc_id, op.version) for op in ops] == [(newest["id"], 2)]


def test_records_the_index_already_holds_are_left_out_before_their_documents_are_built() -> None:
    held = product_state("Lamp", version=3)
    broken = {"id": held["id"], "version": 3}  # would raise if it were made into a document
    newer = product_state("Chair", version=2)

    ops = project(
        [record("product", broken), record("product", newer)],
        acknowledged={("products", held["id"]): 3, ("products", newer["id"]): 1},
    )

    assert [(op.doc_id, op.version) for op in ops] == [(newer["id"], 2)]


def test_encoded_documents_are_the_json_of_the_documents() -> None:
    lamp = product_state("Lamp", category_path=["Home", "Lighting"], attributes=[("color", "Brass")])
    records = [record("product", lamp), record("order", order_state("alice", placed_minutes=0))]

    plain, encoded = project(records), project(records, encoded=True)

    assert [(op.read_model, op.doc_id, op.version) for op in encoded] == [
        (op.read_model, op.doc_id, op.version) for op in plain
    ]
    assert all(isinstance(op.document, orjson.Fragment) for op in encoded)
    assert [orjson.loads(orjson.dumps(op.document)) for op in encoded] == [
        orjson.loads(orjson.dumps(op.document)) for op in plain
    ]


def test_a_record_read_encoded_projects_as_the_decoded_one_and_keeps_no_decoded_state() -> None:
    lamp = product_state("Lamp", version=4)
    decoded = record("product", lamp)
    stored = OutboxRecord(
        decoded.position,
        "product",
        lamp["id"],
        4,
        "Test",
        {},
        EncodedState(orjson.dumps(lamp).decode(), orjson.loads),
        None,
    )

    assert stored.has_state
    assert stored.state == decoded.state
    assert stored.state is not stored.state  # decoded at each call, so a held record holds text only
    assert project([stored]) == project([decoded])
