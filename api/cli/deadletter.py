"""`catalog deadletter list|retry [ID]...`: outbox records the sync worker gave up on, and their second chance."""

from __future__ import annotations

import asyncio
import sys

import click

from api.cli.common import settings_from_environment
from api.cli.exit_codes import ExitCode
from api.cli.failures import OperatorError
from api.cli.sync import database, runtime
from domain.storage.dead_letters import DeadLetter
from sync.dead_letter_retry import RetryOutcome, list_dead_letters, retry_dead_letters


@click.group()
def deadletter() -> None:
    """Events the sync worker could not index after bounded tries (fix the cause, then retry)."""


def _line(letter: DeadLetter) -> str:
    state = "resolved" if letter.resolved_at is not None else "open"
    error = " ".join(letter.error.split())
    return (
        f"{letter.id:>6}  {state:<8}  {letter.position.token():<20}  "
        f"{letter.aggregate_type}/{letter.aggregate_id} v{letter.aggregate_version}  {letter.event_type}  "
        f"attempts={letter.attempts}  {letter.created_at:%Y-%m-%d %H:%M:%S}  {error[:200]}"
    )


async def _list(include_resolved: bool, limit: int) -> list[DeadLetter]:
    async with database(settings_from_environment()) as engine:
        return await list_dead_letters(engine, include_resolved=include_resolved, limit=limit)


@deadletter.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved dead letters.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
def list_command(include_resolved: bool, limit: int) -> None:
    """List dead letters, oldest first: id, state, position, aggregate, event, attempts, time, error."""
    letters = asyncio.run(_list(include_resolved, limit))
    if not letters:
        click.echo("no dead letters")
    for letter in letters:
        click.echo(_line(letter))


async def _retry(ids: list[int] | None) -> list[RetryOutcome]:
    async with runtime(settings_from_environment()) as rt:
        return await retry_dead_letters(rt.engine, rt.client, rt.prefix, ids)


@deadletter.command()
@click.argument("ids", nargs=-1, type=int)
def retry(ids: tuple[int, ...]) -> None:
    """Re-read each dead letter's record from the outbox and apply it again (no IDS: every open one).

    Exit 1 if any still fails.
    """
    try:
        outcomes = asyncio.run(_retry(list(ids) or None))
    except LookupError as error:
        raise OperatorError(ExitCode.USAGE, error.args[0]) from None
    for outcome in outcomes:
        click.echo(f"{outcome.letter_id:>6}  " + ("resolved" if outcome.resolved else f"failed: {outcome.error}"))
    if not outcomes:
        click.echo("no open dead letters")
    if any(not outcome.resolved for outcome in outcomes):
        sys.exit(ExitCode.FOUND)
