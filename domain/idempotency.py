"""Idempotency keys: the first successful outcome stored under a caller's key answers every repeat."""

from __future__ import annotations

import hashlib

from domain.model.commands import Command
from domain.model.errors import Conflict
from domain.ports import IdempotencyClaim, Outcome, UnitOfWork


def fingerprint(command: Command) -> str:
    return hashlib.sha256(repr(command).encode()).hexdigest()


async def recall(uow: UnitOfWork, claim: IdempotencyClaim) -> Outcome | None:
    """The outcome stored under the claim's key, None if there is none; CONFLICT if the key was used for
    another command."""
    recalled = await uow.recall(claim)
    return None if recalled is None else stored_outcome(claim, *recalled)


def stored_outcome(claim: IdempotencyClaim, stored_fingerprint: str, outcome: Outcome) -> Outcome:
    """The outcome stored under the claim's key, when the key was used for this command; else CONFLICT."""
    if stored_fingerprint != claim.fingerprint:
        raise Conflict("this idempotencyKey was used for a different command", "idempotencyKey")
    return outcome
