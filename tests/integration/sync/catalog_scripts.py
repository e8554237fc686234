"""Random command scripts for the whole-pipeline tests with variants: products created with and without variants,
variants added, changed and discontinued, prices changed for the product or one variant, stock received and
reserved by orders, details and slugs changed, products discontinued. Steps are drawn without knowing the state
(products and variants are picked by number, modulo what exists when the step runs); a refused command changes
nothing and the script goes on. Vocabularies are `tests/support/catalog_searches.py`'s, so searches find them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

from domain.bus import MessageBus
from domain.model.commands import (
    AddProductVariant,
    ChangeProductPrice,
    Command,
    CreateProduct,
    DiscontinueProduct,
    DiscontinueProductVariant,
    ImageRequest,
    OrderLineRequest,
    PlaceOrder,
    PriceRequest,
    ReceiveStock,
    UpdateProductDetails,
    UpdateProductVariant,
    VariantRequest,
)
from domain.model.errors import DomainError
from tests.support.catalog_searches import ATTRIBUTES, BRANDS, CATEGORIES, COLOURS, OPTION_NAMES, PRICES, SIZES

NAMES = ("Linen shirt", "Oak chair", "Café table")  # alike names: generated slugs take suffixes
SLUGS = ("summer-shirt", "oak-chair", "the-table")  # given slugs: some taken (DUPLICATE), some retired later
CURRENCY = "EUR"
COMMAND_NAMES = (
    "CreateProduct",
    "AddProductVariant",
    "UpdateProductVariant",
    "DiscontinueProductVariant",
    "ChangeProductPrice",
    "ReceiveStock",
    "PlaceOrder",
    "UpdateProductDetails",
    "DiscontinueProduct",
)


@dataclass(frozen=True)
class Create:
    name: str
    price: str
    brand: str | None
    category: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]
    slug: str | None
    images: int
    option_names: tuple[str, ...] | None  # None: created without variants
    variants: tuple[tuple[dict[str, str], str | None], ...]  # (option values by name, own price)


@dataclass(frozen=True)
class AddVariant:
    product: int
    values: dict[str, str]
    price: str | None


@dataclass(frozen=True)
class UpdateVariant:
    product: int
    variant: int
    values: dict[str, str] | None
    price: str | None
    clear_price: bool


@dataclass(frozen=True)
class DiscontinueVariant:
    product: int
    variant: int


@dataclass(frozen=True)
class ChangePrice:
    product: int
    price: str
    variant: int | None  # None: the product's default price


@dataclass(frozen=True)
class Receive:
    product: int
    variant: int
    quantity: int


@dataclass(frozen=True)
class Order:
    product: int
    variant: int
    quantity: int


@dataclass(frozen=True)
class UpdateDetails:
    product: int
    name: str | None
    slug: str | None
    brand: str | None
    category: tuple[str, ...] | None


@dataclass(frozen=True)
class Discontinue:
    product: int


Step = (
    Create
    | AddVariant
    | UpdateVariant
    | DiscontinueVariant
    | ChangePrice
    | Receive
    | Order
    | UpdateDetails
    | Discontinue
)

option_values = st.fixed_dictionaries({"size": st.sampled_from(SIZES), "colour": st.sampled_from(COLOURS)})
own_prices = st.none() | st.sampled_from(PRICES)
picks = st.integers(0, 50)


@st.composite
def creates(draw: st.DrawFn) -> Create:
    option_names = draw(st.none() | st.sampled_from(OPTION_NAMES))
    variants: list[tuple[dict[str, str], str | None]] = []
    if option_names is not None:
        distinct = st.lists(
            option_values, min_size=1, max_size=6, unique_by=lambda v: tuple(v[n] for n in option_names)
        )
        variants = [(values, draw(own_prices)) for values in draw(distinct)]
    return Create(
        name=draw(st.sampled_from(NAMES)),
        price=draw(st.sampled_from(PRICES)),
        brand=draw(st.none() | st.sampled_from(BRANDS)),
        category=draw(st.sampled_from(CATEGORIES)),
        attributes=tuple(draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=2, unique_by=lambda pair: pair[0]))),
        slug=draw(st.none() | st.none() | st.sampled_from(SLUGS)),
        images=draw(st.integers(0, 2)),
        option_names=option_names,
        variants=tuple(variants),
    )


steps: st.SearchStrategy[Step] = st.one_of(
    creates(),
    st.builds(AddVariant, picks, option_values, own_prices),
    st.builds(UpdateVariant, picks, picks, st.none() | option_values, own_prices, st.booleans()),
    st.builds(DiscontinueVariant, picks, picks),
    st.builds(ChangePrice, picks, st.sampled_from(PRICES), st.none() | picks),
    st.builds(Receive, picks, picks, st.integers(1, 3)),
    st.builds(Receive, picks, picks, st.integers(1, 3)),  # twice as often: orders need stock
    st.builds(Order, picks, picks, st.integers(1, 2)),
    st.builds(
        UpdateDetails,
        picks,
        st.none() | st.sampled_from(NAMES),
        st.none() | st.sampled_from(SLUGS),
        st.none() | st.sampled_from(BRANDS),
        st.none() | st.sampled_from(CATEGORIES),
    ),
    st.builds(Discontinue, picks),
)


@st.composite
def scripts(draw: st.DrawFn) -> list[Step]:
    """A few products first (so that the other commands find some), then any commands."""
    return [*draw(st.lists(creates(), min_size=2, max_size=5)), *draw(st.lists(steps, min_size=10, max_size=40))]


@dataclass
class Known:
    id: str
    sku: str
    option_names: tuple[str, ...]
    skus: list[str]  # its variants' skus, in order, as the accepted commands made them
    slugs: set[str] = field(default_factory=set)  # every slug it was given or asked to change to
    stocked: list[str] = field(default_factory=list)  # the skus it received stock for
    added: int = 0


@dataclass
class Script:
    """Runs steps through `bus`; knows of each product only what the accepted commands said, and counts them."""

    bus: MessageBus
    products: list[Known] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    created: int = 0

    async def run(self, step: Step) -> None:
        if isinstance(step, Create):
            await self._create(step)
            return
        if not self.products:
            return
        product = self.products[step.product % len(self.products)]
        command, then = self._command(step, product)
        if await self._accepted(command):
            then()

    async def _accepted(self, command: Command) -> bool:
        try:
            await self.bus.dispatch(command)
        except DomainError:
            return False
        self.accepted[type(command).__name__] += 1
        return True

    async def _create(self, step: Create) -> None:
        self.created += 1
        sku = f"P{self.created}"
        names = step.option_names or ()
        variant_skus = [f"{sku}-V{i}" for i in range(len(step.variants))]
        command = CreateProduct(
            sku=sku,
            name=step.name,
            price_amount=step.price,
            price_currency=CURRENCY,
            brand=step.brand,
            category_path=step.category,
            attributes=step.attributes,
            slug=step.slug,
            images=tuple(
                ImageRequest(url=f"https://img.example/{sku}/{i}.jpg", alt=f"view {i}") for i in range(step.images)
            ),
            variants=None
            if step.option_names is None
            else tuple(
                VariantRequest(sku=variant_sku, options=_options(names, values), price=_price(price))
                for variant_sku, (values, price) in zip(variant_skus, step.variants, strict=True)
            ),
        )
        try:
            outcome = await self.bus.dispatch(command)
        except DomainError:
            return
        self.accepted["CreateProduct"] += 1
        skus = variant_skus if step.option_names is not None else [sku]
        slugs = {step.slug} if step.slug else set()
        self.products.append(Known(outcome.aggregate_id, sku, names, skus, slugs, added=len(skus)))

    def _command(self, step: Step, product: Known) -> tuple[Command, Callable[[], None]]:
        """The command for `step` on `product`, and what to note once it is accepted."""

        def variant(number: int) -> str:
            return product.skus[number % len(product.skus)]

        def nothing() -> None:
            pass

        match step:
            case AddVariant(values=values, price=price):
                sku = f"{product.sku}-A{product.added}"
                request = VariantRequest(sku=sku, options=_options(product.option_names, values), price=_price(price))

                def added() -> None:
                    product.skus.append(sku)
                    product.added += 1

                return AddProductVariant(product_id=product.id, variant=request), added
            case UpdateVariant(variant=number, values=values, price=price, clear_price=clear):
                options = None if values is None else _options(product.option_names, values)
                return UpdateProductVariant(
                    product_id=product.id, sku=variant(number), options=options, price=_price(price), clear_price=clear
                ), nothing
            case DiscontinueVariant(variant=number):
                return DiscontinueProductVariant(product_id=product.id, sku=variant(number)), nothing
            case ChangePrice(price=price, variant=number):
                repriced = None if number is None else variant(number)
                return ChangeProductPrice(
                    product_id=product.id, price_amount=price, price_currency=CURRENCY, sku=repriced
                ), nothing
            case Receive(variant=number, quantity=quantity):
                received = variant(number)
                return ReceiveStock(sku=received, quantity=quantity), lambda: product.stocked.append(received)
            case Order(variant=number, quantity=quantity):
                stocked = product.stocked or product.skus  # mostly a variant that has had stock: orders can reserve
                line = OrderLineRequest(sku=stocked[number % len(stocked)], quantity=quantity)
                return PlaceOrder(customer_id="customer-1", lines=(line,)), nothing
            case UpdateDetails(name=name, slug=slug, brand=brand, category=category):
                details = UpdateProductDetails(
                    product_id=product.id, name=name, slug=slug, brand=brand, category_path=category
                )
                return details, lambda: product.slugs.add(slug) if slug else None
            case Discontinue():
                return DiscontinueProduct(product_id=product.id), nothing
        raise AssertionError(step)


def _options(names: tuple[str, ...], values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, values[name]) for name in names)


def _price(amount: str | None) -> PriceRequest | None:
    return None if amount is None else PriceRequest(amount=amount, currency=CURRENCY)
