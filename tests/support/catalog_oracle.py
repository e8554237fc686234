"""A brute-force model of `searchProducts` without text: which products a filter finds, in which order for the
price sorts, how many, and every facet, computed in Python from the products' snapshots (docs/queries.md).

It knows nothing of Elasticsearch: each answer follows the rules as written, product by product, so a test can
compare the index's answer over the same snapshots with it (for synthetic snapshots indexed directly, or for the
write model's snapshots after the worker caught up). Snapshots from before variants are read as having one
variant, as the document builder does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.model.snapshots import ProductSnapshot, VariantSnapshot
from read_index.documents import variants_of
from read_index.facet_terms import ATTRIBUTE_NAMES_SIZE, FACET_SIZE, AttributeFacet, FacetValue, price_bounds
from read_index.facets import Facets, PriceRange
from read_index.search import AttributeFilter, ProductFilter, ProductSort

ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Answer:
    ids: list[str]
    """Every match, in the sort's order for the price sorts (then by id), else by id."""
    total: int
    facets: Facets


@dataclass(frozen=True)
class _Conditions:
    """The variant-level conditions of one context: options by name, a price range, the stock."""

    options: dict[str, set[str]]
    price_min: Decimal | None
    price_max: Decimal | None
    in_stock: bool | None

    def without_option(self, name: str) -> _Conditions:
        options = {other: values for other, values in self.options.items() if other != name}
        return _Conditions(options, self.price_min, self.price_max, self.in_stock)

    def without_price(self) -> _Conditions:
        return _Conditions(self.options, None, None, self.in_stock)

    def with_option(self, name: str, value: str) -> _Conditions:
        return _Conditions({**self.options, name: {value}}, self.price_min, self.price_max, self.in_stock)

    def with_price(self, low: Decimal | None, high: Decimal | None) -> _Conditions:
        """Within the bucket ``[low, high)`` besides the range already selected (no range here: a facet's)."""
        return _Bucketed(self.options, None, None, self.in_stock, low, high)

    def selected(self) -> bool:
        return bool(self.options) or self.price_min is not None or self.price_max is not None

    def met_by(self, variant: VariantSnapshot) -> bool:
        options = {pair[0]: pair[1] for pair in variant["options"]}
        if any(options.get(name) not in values for name, values in self.options.items()):
            return False
        price = Decimal(variant["price"]["amount"])
        return (self.price_min is None or price >= self.price_min) and (
            self.price_max is None or price <= self.price_max
        )

    def matching(self, state: ProductSnapshot) -> list[VariantSnapshot]:
        """The variants that count for this context: active, meeting every condition, available for in stock."""
        met = [variant for variant in variants_of(state) if variant["status"] == ACTIVE and self.met_by(variant)]
        return [variant for variant in met if in_stock(state, variant)] if self.in_stock else met

    def match(self, state: ProductSnapshot) -> bool:
        if not self.selected():
            return self.in_stock is None or product_in_stock(state) == self.in_stock
        matching = self.matching(state)
        if self.in_stock is False:
            return bool(matching) and not any(in_stock(state, variant) for variant in matching)
        return bool(matching)


@dataclass(frozen=True)
class _Bucketed(_Conditions):
    low: Decimal | None
    high: Decimal | None

    def selected(self) -> bool:
        return True

    def met_by(self, variant: VariantSnapshot) -> bool:
        price = Decimal(variant["price"]["amount"])
        in_bucket = (self.low is None or price >= self.low) and (self.high is None or price < self.high)
        return in_bucket and super().met_by(variant)


def in_stock(state: ProductSnapshot, variant: VariantSnapshot) -> bool:
    """Sellable now: the product and the variant active, some of it available."""
    available = variant["on_hand"] - variant["reserved"]
    return state["status"] == ACTIVE and variant["status"] == ACTIVE and available > 0


def product_in_stock(state: ProductSnapshot) -> bool:
    return any(in_stock(state, variant) for variant in variants_of(state))


def lowest_active_price(state: ProductSnapshot) -> Decimal:
    active = [Decimal(v["price"]["amount"]) for v in variants_of(state) if v["status"] == ACTIVE]
    return min(active, default=Decimal(state["price"]["amount"]))


class CatalogOracle:
    """The answers over one catalog: `products`, each product's latest snapshot (deleted ones left out)."""

    def __init__(self, products: Iterable[ProductSnapshot]) -> None:
        self._products = list(products)

    def search(self, product_filter: ProductFilter, sort: ProductSort = ProductSort.RELEVANCE) -> Answer:
        f = product_filter
        conditions = _Conditions(_pooled(f.options), f.price_min, f.price_max, f.in_stock)
        attributes = _pooled(f.attributes)
        category = list(f.category_path or [])
        brands = set(f.brands or ())
        base = [p for p in self._products if f.include_discontinued or p["status"] == ACTIVE]

        def products(*, category_: bool = True, brand: bool = True, leave_attribute: str | None = None,
                     variants: _Conditions | None = conditions) -> list[ProductSnapshot]:  # fmt: skip
            return [
                p
                for p in base
                if (not category_ or p["category_path"][: len(category)] == category)
                and (not brand or not brands or p["brand"] in brands)
                and all(
                    any(attribute == [name, value] for attribute in p["attributes"] for value in values)
                    for name, values in attributes.items()
                    if name != leave_attribute
                )
                and (variants is None or variants.match(p))
            ]

        hits = products()
        ids = sorted(p["id"] for p in hits)
        if sort in (ProductSort.PRICE_ASC, ProductSort.PRICE_DESC):
            sign = 1 if sort is ProductSort.PRICE_ASC else -1
            ids = [p["id"] for p in sorted(hits, key=lambda p: (sign * _sort_price(p, conditions), p["id"]))]
        variant_context = products(variants=None)  # the variant facets apply the variant conditions themselves
        facets = Facets(
            categories=_categories(products(category_=False), category),
            brands=_most_frequent(Counter(p["brand"] for p in products(brand=False) if p["brand"] is not None)),
            price_ranges=[
                PriceRange(
                    low, high, sum(conditions.without_price().with_price(low, high).match(p) for p in variant_context)
                )
                for low, high in price_bounds()
            ],
            attributes=_attribute_facets(attributes, hits, lambda name: products(leave_attribute=name)),
            options=_option_facets(conditions, variant_context),
        )
        return Answer(ids, len(hits), facets)


def _option_facets(conditions: _Conditions, context: list[ProductSnapshot]) -> list[AttributeFacet]:
    """Each selected option name (counted without its own filter) and the most frequent others; a value counts
    the products that selecting it would find."""

    def counts(without: _Conditions, name: str) -> dict[str, int]:
        values = {value for p in context for v in variants_of(p) for option, value in v["options"] if option == name}
        return {value: sum(without.with_option(name, value).match(p) for p in context) for value in values}

    facets = [AttributeFacet(name, _top(counts(conditions.without_option(name), name))) for name in conditions.options]
    names = {option for p in context for v in variants_of(p) for option, _ in v["options"]} - set(conditions.options)
    others = [(name, counts(conditions, name)) for name in names]
    others.sort(key=lambda named: (-sum(named[1].values()), named[0]))
    shown = [(name, values) for name, values in others if any(values.values())][:ATTRIBUTE_NAMES_SIZE]
    facets += [AttributeFacet(name, _top(values)) for name, values in shown]
    return sorted(facets, key=lambda facet: facet.name)


def _sort_price(state: ProductSnapshot, conditions: _Conditions) -> Decimal:
    """The lowest price among the variants meeting every variant condition; without any, the lowest active."""
    if not conditions.selected() and not conditions.in_stock:
        return lowest_active_price(state)
    return min(Decimal(v["price"]["amount"]) for v in conditions.matching(state))


def _pooled(filters: Iterable[AttributeFilter]) -> dict[str, set[str]]:
    pooled: dict[str, set[str]] = {}
    for named in filters:
        if named.values:
            pooled.setdefault(named.name, set()).update(named.values)
    return pooled


def _categories(products: list[ProductSnapshot], path: list[str]) -> list[FacetValue]:
    """The children of `path` (the roots without one), each counting the products at or below it."""
    below = Counter(
        p["category_path"][len(path)]
        for p in products
        if len(p["category_path"]) > len(path) and p["category_path"][: len(path)] == path
    )
    return _most_frequent(below)


def _attribute_facets(
    selected: dict[str, set[str]], hits: list[ProductSnapshot], leave: Callable[[str], list[ProductSnapshot]]
) -> list[AttributeFacet]:
    """The most frequent attribute names of the hits, and each selected one counted without its own filter."""
    names = Counter(name for p in hits for name, _ in p["attributes"] if name not in selected)
    top = sorted(names.items(), key=lambda named: (-named[1], named[0]))[:ATTRIBUTE_NAMES_SIZE]
    facets = [AttributeFacet(name, _attribute_values(hits, name)) for name, _ in top]
    facets += [AttributeFacet(name, _attribute_values(leave(name), name)) for name in selected]
    return sorted(facets, key=lambda facet: facet.name)


def _attribute_values(products: list[ProductSnapshot], name: str) -> list[FacetValue]:
    return _most_frequent(Counter(value for p in products for attribute, value in p["attributes"] if attribute == name))


def _most_frequent(counts: Counter[str]) -> list[FacetValue]:
    return _top(dict(counts))


def _top(counts: dict[str, int]) -> list[FacetValue]:
    ranked = sorted((-count, value) for value, count in counts.items() if count > 0)
    return [FacetValue(value, -negative) for negative, value in ranked[:FACET_SIZE]]
