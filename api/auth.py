"""Bearer tokens and the callers they name (who may do what is `api.permissions`).

Tokens are JWTs: HS256 with `CATALOG_JWT_SECRET` (a generated development secret when unset) and, for
production, RS256 with the public key or JWKS file in `CATALOG_JWT_PUBLIC_KEY_FILE`. The key is chosen by the
token's `alg` header, so an HS256 token can never be checked against the public key as if it were a secret.

A caller's scopes are the `scope` claim (space-separated, or a list); a caller with `orders:place` and without
`orders:write` is a customer (its `sub`). A customer token must carry `iat` and live at most
`CATALOG_MAX_CUSTOMER_TOKEN_SECONDS` (`api.token_claims`).
Secrets and tokens never appear in a log line or an error message.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from api.scopes import Scope
from api.settings import Settings
from api.token_claims import ClaimsRefused, check_claims
from domain.model.errors import ErrorCode

log = logging.getLogger(__name__)

DEV_SECRET_FILE = "jwt-secret"
LEEWAY_SECONDS = 10
DEFAULT_TTL_SECONDS = 3600
DEFAULT_MAX_CUSTOMER_TOKEN_SECONDS = 24 * 3600


class AccessDenied(Exception):
    """UNAUTHENTICATED (no or bad token) or FORBIDDEN (the token may not do this); the message is safe to show."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class TokenConfigurationError(Exception):
    """The keys cannot be loaded, or tokens cannot be issued with this configuration."""


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    scopes: frozenset[str]

    def has(self, scope: Scope) -> bool:
        return scope.value in self.scopes

    @property
    def is_customer(self) -> bool:
        """A customer token rather than a staff one."""
        return self.has(Scope.ORDERS_PLACE) and not self.has(Scope.ORDERS_WRITE)

    @property
    def customer_id(self) -> str | None:
        """The customer this token acts for, when it is a customer token rather than a staff one."""
        return self.subject if self.is_customer else None


@dataclass(frozen=True)
class Keys:
    """What tokens are checked with: an HS256 secret and/or RS256 public keys (one PEM key, or a JWKS by kid)."""

    secret: str | None = None
    public_key: Any = None
    key_set: jwt.PyJWKSet | None = None


VERIFIED_TOKENS_REMEMBERED = 10_000


class Authenticator:
    def __init__(
        self,
        keys: Keys,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        max_customer_token_seconds: int = DEFAULT_MAX_CUSTOMER_TOKEN_SECONDS,
    ) -> None:
        if keys.secret is None and keys.public_key is None and keys.key_set is None:
            raise TokenConfigurationError("no key to check tokens with")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._max_customer_seconds = max_customer_token_seconds
        # Verified tokens and when they expire: a client sends the same token with every request, and checking
        # its signature again is most of what authentication costs.
        self._verified: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller named by an `Authorization: Bearer <JWT>` header; AccessDenied(UNAUTHENTICATED) otherwise."""
        if not authorization:
            raise AccessDenied(ErrorCode.UNAUTHENTICATED, "this operation needs an Authorization: Bearer token")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AccessDenied(ErrorCode.UNAUTHENTICATED, "the Authorization header must be 'Bearer <token>'")
        return self.verify(token.strip())

    def verify(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        if remembered is not None:
            caller, expires_at = remembered
            if time.time() < expires_at:
                self._verified.move_to_end(token)
                return caller
            del self._verified[token]
        caller, expires_at = self._decode(token)
        self._verified[token] = (caller, expires_at)
        if len(self._verified) > VERIFIED_TOKENS_REMEMBERED:
            self._verified.popitem(last=False)
        return caller

    def _decode(self, token: str) -> tuple[Caller, float]:
        try:
            header = jwt.get_unverified_header(token)
            key = self._key_for(header)
            claims = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AccessDenied(ErrorCode.UNAUTHENTICATED, "the bearer token has expired") from None
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            reason = _safe_reason(error)
            raise AccessDenied(ErrorCode.UNAUTHENTICATED, f"the bearer token is not valid: {reason}") from None
        caller = Caller(subject=str(claims["sub"]), scopes=_scopes(claims.get("scope", claims.get("scp"))))
        try:
            check_claims(claims, customer=caller.is_customer, max_customer_seconds=self._max_customer_seconds)
        except ClaimsRefused as refused:
            raise AccessDenied(ErrorCode.UNAUTHENTICATED, f"the bearer token is not valid: {refused}") from None
        return caller, float(claims["exp"]) + LEEWAY_SECONDS

    def _key_for(self, header: dict[str, Any]) -> Any:
        algorithm = header.get("alg")
        if algorithm == "HS256" and self._keys.secret is not None:
            return self._keys.secret
        if algorithm == "RS256" and self._keys.key_set is not None:
            kid = header.get("kid")
            if kid is None:
                if len(self._keys.key_set.keys) != 1:
                    raise ValueError("the token names no key id (kid)")
                return self._keys.key_set.keys[0].key
            return self._keys.key_set[str(kid)].key
        if algorithm == "RS256" and self._keys.public_key is not None:
            return self._keys.public_key
        raise ValueError(f"tokens signed with {str(algorithm)[:10]!r} are not accepted")

    def issue(self, scopes: Iterable[str], subject: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
        """A signed HS256 token for development and internal tools."""
        if self._keys.secret is None:
            raise TokenConfigurationError(
                "tokens can only be issued with an HS256 secret; this configuration has only a public key "
                "(CATALOG_JWT_PUBLIC_KEY_FILE): issue tokens with the matching private key instead"
            )
        if Caller(subject, frozenset(scopes)).is_customer and ttl_seconds > self._max_customer_seconds:
            raise TokenConfigurationError(
                f"a customer token may live at most {self._max_customer_seconds} s (CATALOG_MAX_CUSTOMER_TOKEN_SECONDS)"
            )
        now = int(time.time())
        claims: dict[str, Any] = {"sub": subject, "scope": " ".join(scopes), "iat": now, "exp": now + ttl_seconds}
        if self._issuer is not None:
            claims["iss"] = self._issuer
        if self._audience is not None:
            claims["aud"] = self._audience
        return jwt.encode(claims, self._keys.secret, algorithm="HS256")


def authenticator_from_settings(settings: Settings) -> Authenticator:
    return Authenticator(
        load_keys(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        max_customer_token_seconds=settings.max_customer_token_seconds,
    )


def load_keys(settings: Settings) -> Keys:
    keys = Keys()
    if settings.jwt_public_key_file is not None:
        keys = _public_keys(settings.jwt_public_key_file)
    if settings.jwt_secret is not None:
        return dataclasses.replace(keys, secret=settings.jwt_secret.get_secret_value())
    if keys.public_key is None and keys.key_set is None:
        return Keys(secret=development_secret(settings.cache_dir))
    return keys


def development_secret(cache_dir: Path) -> str:
    """A random secret generated once into `<cache_dir>/jwt-secret` (mode 0600), for development only."""
    path = cache_dir / DEV_SECRET_FILE
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
    log.warning("event=jwt_development_secret file=%s hint='set CATALOG_JWT_SECRET in production'", path)
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise TokenConfigurationError(f"the development secret in {path} is too short; delete the file")
    return secret


def _public_keys(path: Path) -> Keys:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TokenConfigurationError(f"cannot read CATALOG_JWT_PUBLIC_KEY_FILE {path}: {error.strerror}") from None
    try:
        if data.lstrip().startswith(b"{"):
            document = json.loads(data)
            if "keys" in document:
                return Keys(key_set=jwt.PyJWKSet.from_dict(document))
            return Keys(key_set=jwt.PyJWKSet.from_dict({"keys": [document]}))
        return Keys(public_key=load_pem_public_key(data))
    except (ValueError, TypeError, jwt.PyJWTError) as error:
        raise TokenConfigurationError(f"{path} is neither a PEM public key nor a JWKS file: {error}") from None


def _scopes(claim: object) -> frozenset[str]:
    if isinstance(claim, str):
        return frozenset(claim.split())
    if isinstance(claim, list | tuple):
        return frozenset(str(scope) for scope in claim)
    return frozenset()


def _safe_reason(error: Exception) -> str:
    """PyJWT's messages name the failed check, never the key; cap the length all the same."""
    if isinstance(error, KeyError):
        return "the token names an unknown key"
    return (str(error) or type(error).__name__)[:120]
