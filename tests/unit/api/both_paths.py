"""A document answered by graphql-core's own execution and by the served schema (whose fast path may plan it),
for tests that the two agree."""

from __future__ import annotations

import json
from typing import Any

from graphql import ExecutionResult, execute

from api.fastpath.direct_execution import DirectExecution
from api.schema.context import RequestContext
from api.schema.schema import ServedSchema


def direct(served: ServedSchema) -> DirectExecution:
    assert served.direct is not None
    return served.direct


async def graphql_core_answer(
    served: ServedSchema, query: str, variables: dict[str, Any] | None, context: RequestContext
) -> ExecutionResult:
    """graphql-core's `execute` of the checked document (plain trees completed by compiled plans, as served)."""
    document = served.protection.check(served.graphql, query).document
    assert document is not None
    outcome = execute(served.graphql, document, context_value=context, variable_values=variables,
                      executor_class=direct(served).executor)  # fmt: skip
    return await outcome if not isinstance(outcome, ExecutionResult) else outcome


def assert_same(fast: ExecutionResult, slow: ExecutionResult) -> None:
    assert json.dumps(fast.data) == json.dumps(slow.data)  # same values, same key order
    assert [e.formatted for e in fast.errors or ()] == [e.formatted for e in slow.errors or ()]


def planned(served: ServedSchema, query: str) -> bool:
    """Whether the document (of one operation) gets a root-field plan."""
    checked = served.protection.check(served.graphql, query)
    operations = [d for d in checked.document.definitions if hasattr(d, "operation")] if checked.document else []
    return len(operations) == 1 and direct(served).roots.plan(checked.document, operations[0]) is not None  # type: ignore[arg-type]
