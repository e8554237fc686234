"""What describes a product to shoppers (name, description, brand, category path, attributes, its URL handle and
images), and its checks."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import input_limits
from domain.model.images import Image
from domain.model.quoting import quoted
from domain.model.validation import Checks


@dataclass(frozen=True, slots=True)
class ProductDetails:
    name: str
    description: str | None
    brand: str | None
    category_path: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]
    slug: str
    images: tuple[Image, ...]


def check_name(checks: Checks, name: str) -> str:
    return checks.text("name", name, max_length=input_limits.NAME_MAX) or ""


def check_description(checks: Checks, description: str | None) -> str | None:
    """An empty description is None: no description."""
    return checks.text("description", description, max_length=input_limits.DESCRIPTION_MAX, required=False)


def check_brand(checks: Checks, brand: str | None) -> str | None:
    """An empty brand is None: no brand."""
    return checks.text("brand", brand, max_length=input_limits.BRAND_MAX, required=False)


def check_category_path(checks: Checks, path: tuple[str, ...]) -> tuple[str, ...]:
    checks.count("categoryPath", path, maximum=input_limits.CATEGORY_DEPTH_MAX)
    maximum = input_limits.CATEGORY_NAME_MAX
    names = [checks.text(f"categoryPath.{i}", name, max_length=maximum) for i, name in enumerate(path)]
    return tuple(name for name in names if name)


def check_attributes(checks: Checks, attributes: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    checks.count("attributes", attributes, maximum=input_limits.ATTRIBUTES_MAX)
    seen: set[tuple[str, str]] = set()
    result = []
    for i, (name, value) in enumerate(attributes):
        clean_name = checks.text(f"attributes.{i}.name", name, max_length=input_limits.ATTRIBUTE_NAME_MAX)
        clean_value = checks.text(f"attributes.{i}.value", value, max_length=input_limits.ATTRIBUTE_VALUE_MAX)
        if clean_name and clean_value:
            if (clean_name, clean_value) in seen:
                checks.fail(f"attributes.{i}", f"repeats {quoted(f'{clean_name}={clean_value}')}")
            seen.add((clean_name, clean_value))
            result.append((clean_name, clean_value))
    return tuple(result)
