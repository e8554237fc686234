"""The scopes a token may carry (see `api.auth` for what each allows); apart so the CLI can offer them without
loading the token machinery."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    CATALOG_WRITE = "catalog:write"
    INVENTORY_WRITE = "inventory:write"
    ORDERS_WRITE = "orders:write"
    ORDERS_READ = "orders:read"
    ORDERS_PLACE = "orders:place"
    WEBHOOKS_MANAGE = "webhooks:manage"
