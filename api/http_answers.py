"""What the GraphQL endpoint answers over HTTP: a status, a JSON body and the headers that go with it.

Every answer says it is JSON and must not be sniffed as anything else, and may not be stored by any cache
(`no-store`) unless `api.response_caching` makes it a public one. The fast path's endpoint and the starlette
route both write `Answer.headers` as they are, so both ways send the same headers.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from domain.model.errors import ErrorCode

JSON_TYPE = "application/json"
Headers = tuple[tuple[bytes, bytes], ...]

JSON_HEADERS: Headers = ((b"content-type", JSON_TYPE.encode()), (b"x-content-type-options", b"nosniff"))
NO_STORE: Headers = ((b"cache-control", b"no-store"),)
CLOSE: Headers = ((b"connection", b"close"),)  # after a body too large to read to its end
ALLOW_POST: Headers = ((b"allow", b"POST"),)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    headers: Headers = JSON_HEADERS + NO_STORE

    def header_map(self) -> dict[str, str]:
        return {name.decode("latin-1"): value.decode("latin-1") for name, value in self.headers}


def refusal(status: int, message: str, code: str = ErrorCode.VALIDATION.value, extra: Headers = ()) -> Answer:
    return Answer(status, error_body(message, code), JSON_HEADERS + NO_STORE + extra)


def error_body(message: str, code: str = ErrorCode.VALIDATION.value) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
