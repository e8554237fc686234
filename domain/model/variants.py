"""A product's variants: what is purchasable (a sku, option values, an own price or the product's, stock), and
the rules the variants of one product keep together.

The rules, checked wherever a variant is created or changed (`check_variants`):
- at most `VARIANTS_MAX` variants;
- every variant names the same options (size, colour), kept in the product's order (the first variant's);
- no two active variants have the same option values;
- the skus of one product's variants differ from each other and from the product's own sku;
- a variant's own price is in the currency of the product's default price.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from domain.model import input_limits
from domain.model.commands import VariantRequest
from domain.model.errors import ErrorCode
from domain.model.inventory import StockItem
from domain.model.money import Money
from domain.model.product_status import ProductStatus
from domain.model.skus import check_sku
from domain.model.snapshots import MoneySnapshot, VariantSnapshot
from domain.model.validation import Checks

Options = tuple[tuple[str, str], ...]
NAME_SEPARATOR = " / "


@dataclass(frozen=True, slots=True)
class Variant:
    id: str
    sku: str
    options: Options
    own_price: Money | None
    """None: the variant follows the product's default price."""
    status: ProductStatus
    stock: StockItem

    @property
    def active(self) -> bool:
        return self.status is ProductStatus.ACTIVE

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.options)

    def name(self, product_name: str) -> str:
        return variant_name(product_name, self.options)

    def price(self, default: Money) -> Money:
        return default if self.own_price is None else self.own_price

    def snapshot(self, product_name: str, default_price: Money) -> VariantSnapshot:
        return variant_snapshot(
            id=self.id,
            sku=self.sku,
            options=[[name, value] for name, value in self.options],
            own_price=None if self.own_price is None else self.own_price.snapshot(),
            status=self.status.value,
            on_hand=self.stock.on_hand,
            reserved=self.stock.reserved,
            product_name=product_name,
            default_price=default_price.snapshot(),
        )

    @classmethod
    def from_snapshot(cls, snapshot: VariantSnapshot) -> Variant:
        own_price = snapshot["own_price"]
        return cls(
            id=snapshot["id"],
            sku=snapshot["sku"],
            options=tuple((name, value) for name, value in snapshot["options"]),
            own_price=None if own_price is None else Money.from_snapshot(own_price),
            status=ProductStatus(snapshot["status"]),
            stock=StockItem(snapshot["on_hand"], snapshot["reserved"]),
        )


def variant_name(product_name: str, options: Iterable[Sequence[str]]) -> str:
    """'Linen shirt / M / sand': the product's name, then the option values."""
    return NAME_SEPARATOR.join((product_name, *(value for _, value in options)))


def variant_snapshot(
    *,
    id: str,
    sku: str,
    options: list[list[str]],
    own_price: MoneySnapshot | None,
    status: str,
    on_hand: int,
    reserved: int,
    product_name: str,
    default_price: MoneySnapshot,
) -> VariantSnapshot:
    """A variant's snapshot from its state as plain data: how a `Variant` gives its own, and how storage reads one
    straight from its row (a rebuild reads every variant) without building the model's objects."""
    return {
        "id": id,
        "sku": sku,
        "name": variant_name(product_name, options),
        "options": options,
        "price": default_price if own_price is None else own_price,
        "own_price": own_price,
        "status": status,
        "on_hand": on_hand,
        "reserved": reserved,
    }


@dataclass(frozen=True, slots=True)
class VariantSpec:
    """A variant as a command asks for it, its input checked on its own (the rules among variants come later)."""

    sku: str
    options: Options
    own_price: Money | None

    def new_variant(self) -> Variant:
        return Variant(str(uuid.uuid4()), self.sku, self.options, self.own_price, ProductStatus.ACTIVE, StockItem())


def check_variant(checks: Checks, field: str, request: VariantRequest) -> VariantSpec:
    sku = check_sku(checks, f"{field}.sku", request.sku)
    options = check_options(checks, f"{field}.options", request.options)
    price = request.price
    own_price = None if price is None else Money.parse(checks, f"{field}.price", price.amount, price.currency)
    return VariantSpec(sku, options, own_price)


def check_options(checks: Checks, field: str, options: Sequence[tuple[str, str]]) -> Options:
    checks.count(field, options, maximum=input_limits.OPTIONS_MAX)
    seen: dict[str, int] = {}
    result = []
    for i, (name, value) in enumerate(options):
        clean_name = checks.text(f"{field}.{i}.name", name, max_length=input_limits.OPTION_NAME_MAX)
        clean_value = checks.text(f"{field}.{i}.value", value, max_length=input_limits.OPTION_VALUE_MAX)
        if clean_name and clean_name in seen:
            checks.fail(f"{field}.{i}.name", f"repeats the option {clean_name} of option {seen[clean_name]}")
        elif clean_name and clean_value:
            seen[clean_name] = i
            result.append((clean_name, clean_value))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Written:
    """A variant a command creates or changes, with the input path its problems are reported under ('variants.2.',
    'variant.', or '' for the command's own fields)."""

    variant: Variant
    prefix: str
    new: bool
    """A new variant brings a new sku; a changed one keeps its own."""


def check_variants(
    checks: Checks,
    *,
    product_sku: str,
    default_price: Money | None,
    kept: Sequence[Variant],
    written: Sequence[Written],
    count_field: str,
) -> list[Variant]:
    """The written variants, their options in the product's order, once they keep every rule together with the
    variants `kept` as they are (the other variants of the product); problems go into `checks`."""
    if len(kept) + len(written) > input_limits.VARIANTS_MAX:
        checks.fail(count_field, f"a product has at most {input_limits.VARIANTS_MAX} variants")
    names = _option_names(kept[0] if kept else written[0].variant) if kept or written else ()
    skus = ({variant.sku for variant in kept} | {product_sku}) - {""}
    active_values = {variant.values for variant in kept if variant.active}
    result = []
    for item in written:
        variant, prefix = item.variant, item.prefix
        options = _arranged(variant.options, names)
        if options is None:
            listed = ", ".join(names) or "none"
            checks.fail(f"{prefix}options", f"must name the product's options ({listed}), each once")
            options = variant.options
        variant = replace(variant, options=options)
        if item.new and variant.sku in skus:
            message = f"{variant.sku} is the sku of the product or of another of its variants"
            checks.fail(f"{prefix}sku", message, ErrorCode.DUPLICATE)
        if variant.active and variant.values in active_values:
            message = "another active variant has the same option values"
            checks.fail(f"{prefix}options", message, ErrorCode.DUPLICATE)
        if default_price is not None:
            check_currency(checks, f"{prefix}price.currency", variant.own_price, default_price.currency)
        if variant.sku:
            skus.add(variant.sku)
        if variant.active:
            active_values.add(variant.values)
        result.append(variant)
    return result


def check_currency(checks: Checks, field: str, price: Money | None, currency: str) -> None:
    """Every price of a product is in one currency, its default price's."""
    if price is not None and price.currency != currency:
        checks.fail(field, f"must be {currency}, the currency of the product's prices")


def _option_names(variant: Variant) -> tuple[str, ...]:
    return tuple(name for name, _ in variant.options)


def _arranged(options: Options, names: tuple[str, ...]) -> Options | None:
    """The options in the order of `names`; None when they do not name exactly those options."""
    by_name = dict(options)
    if len(by_name) != len(options) or set(by_name) != set(names):
        return None
    return tuple((name, by_name[name]) for name in names)


def total_on_hand(variants: Iterable[Variant]) -> int:
    return sum(variant.stock.on_hand for variant in variants)
