"""What a store's error means to an operator: the store is down (try again later), or the configuration is wrong
(fix it first). One place, asked by start-up (`bootstrap`) and by the CLI when it picks an exit code; and the
database's URL as messages name it, without its password (Elasticsearch's: `api.elasticsearch_nodes.redacted`)."""

from __future__ import annotations

from dataclasses import dataclass

from elastic_transport import ConnectionError as ElasticsearchConnectionError
from elastic_transport import ConnectionTimeout, TlsError
from elasticsearch import ApiError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from domain.storage.database_errors import is_schema_mismatch

DATABASE = "database"
ELASTICSEARCH = "Elasticsearch"
MIGRATE_HINT = "run `catalog migrate`"

# SQLSTATE classes that no retry fixes: bad credentials (28), no such database (3D); and a missing table or column
# (`is_schema_mismatch`).
_CONFIGURATION_SQLSTATES = ("28", "3D")


@dataclass(frozen=True, slots=True)
class StoreTrouble:
    store: str
    unavailable: bool
    """True: the store did not answer (down, unreachable, overloaded); False: it answered that the configuration
    is wrong (credentials, no such database, tables missing)."""
    hint: str | None = None


def store_trouble(error: BaseException) -> StoreTrouble | None:
    """What `error` says about a store, or None when it is not a store's error (then it is unexpected)."""
    if isinstance(error, DBAPIError):
        return _database_trouble(error)
    if isinstance(error, PoolTimeout):
        return StoreTrouble(DATABASE, unavailable=True)
    if isinstance(error, TlsError):
        return StoreTrouble(ELASTICSEARCH, unavailable=False)
    if isinstance(error, ElasticsearchConnectionError | ConnectionTimeout):
        return StoreTrouble(ELASTICSEARCH, unavailable=True)
    if isinstance(error, ApiError):
        status = error.meta.status
        if status in (401, 403):
            return StoreTrouble(ELASTICSEARCH, unavailable=False, hint="check the credentials in the URL")
        if status == 429 or status >= 500:
            return StoreTrouble(ELASTICSEARCH, unavailable=True)
    return None


def _database_trouble(error: DBAPIError) -> StoreTrouble | None:
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    text = str(error.orig)
    if is_schema_mismatch(error):
        return StoreTrouble(DATABASE, unavailable=False, hint=MIGRATE_HINT)
    if sqlstate.startswith(_CONFIGURATION_SQLSTATES) or "unable to open database file" in text:
        return StoreTrouble(DATABASE, unavailable=False)
    if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
        return StoreTrouble(DATABASE, unavailable=True)
    return None


def redacted_database_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
