"""The new product a CreateProduct asks for, not yet stored: what the single command and a batch of them build."""

from __future__ import annotations

from datetime import datetime

from domain.model.catalog import Product
from domain.model.commands import CreateProduct
from domain.model.slugs import made_slug


def product_created_by(command: CreateProduct, now: datetime, free_slug: str | None = None) -> Product:
    """The new product a CreateProduct asks for, not yet stored (the benchmarks seed rows with it too). A command
    without a slug gets `free_slug`, else the slug made from its name (whether another product has it or not)."""
    return Product.create(
        sku=command.sku,
        name=command.name,
        price_amount=command.price_amount,
        price_currency=command.price_currency,
        slug=command.slug if command.slug is not None else free_slug or made_slug(command.name, command.sku),
        description=command.description,
        brand=command.brand,
        category_path=command.category_path,
        attributes=command.attributes,
        variants=command.variants,
        images=command.images,
        now=now,
    )
