"""New ids are random version 4 UUIDs in their usual text form."""

from __future__ import annotations

import uuid

from domain.model.ids import new_id


def test_a_new_id_is_a_version_4_uuid_written_as_uuid_writes_it() -> None:
    made = new_id()
    parsed = uuid.UUID(made)
    assert parsed.version == 4
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == made


def test_new_ids_differ() -> None:
    assert len({new_id() for _ in range(1000)}) == 1000
