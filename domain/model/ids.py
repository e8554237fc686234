"""Aggregate and variant ids: random (version 4) UUIDs in their usual text form."""

from __future__ import annotations

import os


def new_id() -> str:
    """`str(uuid.uuid4())`, made without the UUID object: a bulk create draws one per product and variant, and
    the object's checks and integer conversions cost twice the random bytes themselves (finding 23)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
