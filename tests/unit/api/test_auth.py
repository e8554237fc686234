"""Bearer tokens and scopes: who may do what. No I/O beyond a temporary directory."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from api import auth
from api.auth import (
    AccessDenied,
    Authenticator,
    Caller,
    Keys,
    TokenConfigurationError,
    authenticator_from_settings,
    development_secret,
)
from api.permissions import authorize_command, may_read_order, readable_orders
from api.settings import Settings
from domain.model import commands
from domain.model.errors import ErrorCode

SECRET = "a-test-secret-that-is-long-enough-for-hs256!"


def hs256(claims: dict[str, object], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": "staff-1", "scope": "catalog:write", "iat": now, "exp": now + 60, **overrides}


@pytest.fixture
def authenticator() -> Authenticator:
    return Authenticator(Keys(secret=SECRET))


def refusal(call: object) -> AccessDenied:
    with pytest.raises(AccessDenied) as raised:
        call()  # type: ignore[operator]
    return raised.value


def test_a_valid_token_names_the_caller_and_its_scopes(authenticator: Authenticator) -> None:
    caller = authenticator.authenticate(f"Bearer {hs256(claims(scope='catalog:write orders:read'))}")
    assert caller == Caller("staff-1", frozenset({"catalog:write", "orders:read"}))


def test_scopes_may_also_be_a_list(authenticator: Authenticator) -> None:
    caller = authenticator.verify(hs256(claims(scope=["inventory:write", "orders:write"])))
    assert caller.scopes == {"inventory:write", "orders:write"}


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "Token x.y.z"])
def test_a_missing_or_malformed_header_is_unauthenticated(authenticator: Authenticator, header: str | None) -> None:
    assert refusal(lambda: authenticator.authenticate(header)).code is ErrorCode.UNAUTHENTICATED


def test_an_expired_token_is_unauthenticated(authenticator: Authenticator) -> None:
    expired = hs256(claims(exp=int(time.time()) - 3600))
    denied = refusal(lambda: authenticator.verify(expired))
    assert denied.code is ErrorCode.UNAUTHENTICATED
    assert "expired" in denied.message


def test_a_token_remembered_as_verified_is_refused_once_it_expires(authenticator: Authenticator) -> None:
    expires = int(time.time()) - auth.LEEWAY_SECONDS + 1  # valid for about one more second, leeway included
    token = hs256(claims(exp=expires))
    assert authenticator.verify(token).subject == "staff-1"
    time.sleep(max(0.0, expires + auth.LEEWAY_SECONDS - time.time()) + 0.2)
    assert refusal(lambda: authenticator.verify(token)).code is ErrorCode.UNAUTHENTICATED


def test_a_token_signed_with_another_secret_is_unauthenticated(authenticator: Authenticator) -> None:
    forged = hs256(claims(), secret="another-secret-that-is-long-enough-for-hs256")
    assert refusal(lambda: authenticator.verify(forged)).code is ErrorCode.UNAUTHENTICATED


def test_an_unsigned_token_is_unauthenticated(authenticator: Authenticator) -> None:
    unsigned = jwt.encode(claims(), key="", algorithm="none")
    assert refusal(lambda: authenticator.verify(unsigned)).code is ErrorCode.UNAUTHENTICATED


def test_garbage_is_unauthenticated(authenticator: Authenticator) -> None:
    assert refusal(lambda: authenticator.verify("not.a.jwt")).code is ErrorCode.UNAUTHENTICATED


@pytest.mark.parametrize("missing", ["exp", "sub"])
def test_a_token_without_exp_or_sub_is_unauthenticated(authenticator: Authenticator, missing: str) -> None:
    incomplete = claims()
    del incomplete[missing]
    assert refusal(lambda: authenticator.verify(hs256(incomplete))).code is ErrorCode.UNAUTHENTICATED


def test_issuer_and_audience_are_checked_when_configured() -> None:
    strict = Authenticator(Keys(secret=SECRET), issuer="https://id.example", audience="catalog")
    good = hs256(claims(iss="https://id.example", aud="catalog"))
    assert strict.verify(good).subject == "staff-1"
    for bad in (claims(iss="https://evil.example", aud="catalog"), claims(iss="https://id.example", aud="x"), claims()):
        assert refusal(lambda bad=bad: strict.verify(hs256(bad))).code is ErrorCode.UNAUTHENTICATED


def test_errors_never_contain_the_secret_or_the_token(authenticator: Authenticator) -> None:
    tokens = [
        hs256(claims(), secret="wrong-secret-that-is-long-enough-for-hs256!!"),
        hs256(claims(exp=1)),
        hs256(claims())[:-5] + "AAAAA",
    ]
    for token in tokens:
        denied = refusal(lambda token=token: authenticator.authenticate(f"Bearer {token}"))
        assert SECRET not in str(denied)
        assert token not in str(denied)
        assert token.split(".")[2] not in str(denied)


def test_issued_tokens_verify_and_carry_scopes_subject_and_expiry(authenticator: Authenticator) -> None:
    token = authenticator.issue(["orders:place"], "customer-7", ttl_seconds=120)
    caller = authenticator.verify(token)
    assert caller == Caller("customer-7", frozenset({"orders:place"}))
    expiry = jwt.decode(token, SECRET, algorithms=["HS256"])["exp"]
    assert 100 <= expiry - time.time() <= 121


CUSTOMER_CLAIMS = {"sub": "customer-7", "scope": "orders:place"}


def test_a_customer_token_may_live_as_long_as_the_maximum(authenticator: Authenticator) -> None:
    now = int(time.time())
    token = hs256(claims(**CUSTOMER_CLAIMS, iat=now, exp=now + auth.DEFAULT_MAX_CUSTOMER_TOKEN_SECONDS))
    assert authenticator.verify(token).customer_id == "customer-7"


def test_a_customer_token_living_longer_than_the_maximum_is_refused() -> None:
    strict = Authenticator(Keys(secret=SECRET), max_customer_token_seconds=600)
    now = int(time.time())
    denied = refusal(lambda: strict.verify(hs256(claims(**CUSTOMER_CLAIMS, iat=now, exp=now + 601))))
    assert denied.code is ErrorCode.UNAUTHENTICATED
    assert "at most 600 s" in denied.message


def test_a_customer_token_without_iat_is_refused(authenticator: Authenticator) -> None:
    undated = claims(**CUSTOMER_CLAIMS)
    del undated["iat"]
    denied = refusal(lambda: authenticator.verify(hs256(undated)))
    assert denied.code is ErrorCode.UNAUTHENTICATED
    assert "iat" in denied.message


def test_a_staff_token_is_not_bound_by_the_customer_token_lifetime() -> None:
    strict = Authenticator(Keys(secret=SECRET), max_customer_token_seconds=600)
    now = int(time.time())
    assert strict.verify(hs256(claims(iat=now, exp=now + 7200))).subject == "staff-1"


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_a_time_claim_that_is_not_a_number_is_refused_with_a_clear_message(
    authenticator: Authenticator, claim: str
) -> None:
    now = int(time.time())
    as_text = {"exp": str(now + 60), "iat": str(now), "nbf": str(now)}[claim]
    denied = refusal(lambda: authenticator.verify(hs256(claims(**{claim: as_text}))))
    assert denied.code is ErrorCode.UNAUTHENTICATED
    assert f"'{claim}' must be a number" in denied.message


def test_a_customer_token_beyond_the_maximum_lifetime_is_not_issued() -> None:
    strict = Authenticator(Keys(secret=SECRET), max_customer_token_seconds=600)
    assert strict.verify(strict.issue(["orders:place"], "customer-7", ttl_seconds=600)).customer_id == "customer-7"
    with pytest.raises(TokenConfigurationError, match="at most 600 s"):
        strict.issue(["orders:place"], "customer-7", ttl_seconds=601)
    assert strict.verify(strict.issue(["orders:write"], "staff-1", ttl_seconds=7200)).subject == "staff-1"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def settings_with(tmp_path: Path, **values: object) -> Settings:
    return Settings.model_validate({"cache_dir": tmp_path / "cache", **values})


def test_rs256_tokens_verify_with_a_pem_public_key(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(public_pem(rsa_key))
    authenticator = authenticator_from_settings(settings_with(tmp_path, jwt_public_key_file=key_file))
    token = jwt.encode(claims(scope="orders:read"), rsa_key, algorithm="RS256")
    assert authenticator.verify(token).scopes == {"orders:read"}


def test_rs256_tokens_verify_with_a_jwks_file_by_key_id(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = []
    for kid, key in (("k1", other), ("k2", rsa_key)):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
    key_file = tmp_path / "jwks.json"
    key_file.write_text(json.dumps({"keys": keys}))
    authenticator = authenticator_from_settings(settings_with(tmp_path, jwt_public_key_file=key_file))
    token = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "k2"})
    assert authenticator.verify(token).subject == "staff-1"
    wrong_kid = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "k1"})
    assert refusal(lambda: authenticator.verify(wrong_kid)).code is ErrorCode.UNAUTHENTICATED


def test_an_hs256_token_is_not_checked_against_the_public_key(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    """The classic algorithm confusion: the public key used as an HMAC secret must not verify anything."""
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(public_pem(rsa_key))
    authenticator = authenticator_from_settings(settings_with(tmp_path, jwt_public_key_file=key_file))
    import hashlib
    import hmac

    header_payload = jwt.encode(claims(), SECRET, algorithm="HS256").rsplit(".", 1)[0]
    signature = hmac.new(public_pem(rsa_key), header_payload.encode(), hashlib.sha256).digest()
    forged = header_payload + "." + jwt.utils.base64url_encode(signature).decode()
    assert refusal(lambda: authenticator.verify(forged)).code is ErrorCode.UNAUTHENTICATED


def test_tokens_cannot_be_issued_with_only_a_public_key(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(public_pem(rsa_key))
    authenticator = authenticator_from_settings(settings_with(tmp_path, jwt_public_key_file=key_file))
    with pytest.raises(TokenConfigurationError, match="public key"):
        authenticator.issue(["catalog:write"], "x")


def test_a_bad_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    key_file = tmp_path / "public.pem"
    key_file.write_text("not a key")
    with pytest.raises(TokenConfigurationError, match=r"public\.pem"):
        authenticator_from_settings(settings_with(tmp_path, jwt_public_key_file=key_file))


def test_without_a_secret_a_development_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    first = development_secret(tmp_path)
    second = development_secret(tmp_path)
    assert first == second
    assert len(first) >= 32
    mode = stat.S_IMODE((tmp_path / "jwt-secret").stat().st_mode)
    assert mode == 0o600


def test_the_configured_secret_wins_over_the_development_secret(tmp_path: Path) -> None:
    authenticator = authenticator_from_settings(settings_with(tmp_path, jwt_secret=SecretStr(SECRET)))
    assert authenticator.verify(hs256(claims())).subject == "staff-1"
    assert not (tmp_path / "cache" / "jwt-secret").exists()


def test_the_development_secret_is_announced_without_revealing_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = development_secret(tmp_path)
    assert "jwt-secret" in caplog.text
    assert secret not in caplog.text


STAFF = {
    scope: Caller("staff", frozenset({scope}))
    for scope in ("catalog:write", "inventory:write", "orders:write", "orders:read", "webhooks:manage")
}
CUSTOMER = Caller("customer-1", frozenset({"orders:place"}))

PRODUCT_COMMANDS = [
    commands.CreateProduct(sku="S", name="N", price_amount="1", price_currency="EUR"),
    commands.UpdateProductDetails(product_id="p"),
    commands.ChangeProductPrice(product_id="p", price_amount="1", price_currency="EUR"),
    commands.DiscontinueProduct(product_id="p"),
]
STOCK_COMMANDS = [commands.ReceiveStock(sku="S", quantity=1), commands.AdjustStock(sku="S", delta=1, reason="r")]
ORDER_COMMANDS = [
    commands.PlaceOrder(customer_id="customer-1", lines=(commands.OrderLineRequest(sku="S", quantity=1),)),
    commands.PayOrder(order_id="o", amount="1", currency="EUR"),
    commands.ShipOrder(order_id="o"),
    commands.CancelOrder(order_id="o"),
]
WEBHOOK_COMMANDS = [
    commands.RegisterWebhook(url="https://example.com/", events=("ORDER_PLACED",), secret="s" * 20),
    commands.RemoveWebhook(webhook_id="w"),
]
EVERY_COMMAND = PRODUCT_COMMANDS + STOCK_COMMANDS + ORDER_COMMANDS + WEBHOOK_COMMANDS


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        ("catalog:write", PRODUCT_COMMANDS),
        ("inventory:write", STOCK_COMMANDS),
        ("orders:write", ORDER_COMMANDS),
        ("webhooks:manage", WEBHOOK_COMMANDS),
    ],
)
def test_each_scope_allows_its_commands_and_no_others(scope: str, allowed: list[commands.Command]) -> None:
    for command in EVERY_COMMAND:
        if command in allowed:
            assert authorize_command(STAFF[scope], command) == command
        else:
            assert refusal(lambda command=command: authorize_command(STAFF[scope], command)).code is ErrorCode.FORBIDDEN


def test_a_customer_places_orders_for_itself_only() -> None:
    own = commands.PlaceOrder(customer_id="customer-1", lines=())
    assert authorize_command(CUSTOMER, own) == own
    other = commands.PlaceOrder(customer_id="customer-2", lines=())
    denied = refusal(lambda: authorize_command(CUSTOMER, other))
    assert (denied.code, denied.field) == (ErrorCode.FORBIDDEN, "customerId")


def test_a_customer_pays_and_cancels_only_on_its_own_behalf() -> None:
    paid = authorize_command(CUSTOMER, commands.PayOrder(order_id="o", amount="1", currency="EUR"))
    cancelled = authorize_command(CUSTOMER, commands.CancelOrder(order_id="o"))
    assert isinstance(paid, commands.PayOrder)
    assert isinstance(cancelled, commands.CancelOrder)
    assert paid.on_behalf_of_customer == cancelled.on_behalf_of_customer == "customer-1"


def test_a_customer_may_not_ship_touch_the_catalog_or_manage_webhooks() -> None:
    for command in [commands.ShipOrder(order_id="o"), *PRODUCT_COMMANDS, *STOCK_COMMANDS, *WEBHOOK_COMMANDS]:
        assert refusal(lambda command=command: authorize_command(CUSTOMER, command)).code is ErrorCode.FORBIDDEN


def test_orders_read_sees_every_order_and_a_customer_only_its_own() -> None:
    assert readable_orders(STAFF["orders:read"], None) is None
    assert readable_orders(STAFF["orders:read"], "customer-9") == "customer-9"
    assert readable_orders(CUSTOMER, None) == "customer-1"
    assert readable_orders(CUSTOMER, "customer-1") == "customer-1"
    assert readable_orders(CUSTOMER, "customer-2") == "customer-1"  # never another's: no oracle
    assert refusal(lambda: readable_orders(STAFF["catalog:write"], None)).code is ErrorCode.FORBIDDEN
    assert may_read_order(CUSTOMER, "customer-1")
    assert may_read_order(STAFF["orders:read"], "customer-2")
    assert not may_read_order(CUSTOMER, "customer-2")
