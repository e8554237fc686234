"""A product's images and slug in the model: what they accept, what they refuse, and how a slug is made."""

from datetime import UTC, datetime

import pytest

from domain.model.commands import ImageRequest
from domain.model.errors import ValidationFailed
from domain.model.events import ProductDetailsUpdated
from domain.model.images import Image
from domain.model.input_limits import IMAGES_MAX, SLUG_MAX
from domain.model.slugs import candidates, made_slug
from tests.unit.domain.test_products import create, problems_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_images_are_kept_in_order_with_their_alt_text_and_size() -> None:
    images = (
        ImageRequest(url="https://img.example.com/sofa-front.jpg", alt=" Front ", width=1200, height=800),
        ImageRequest(url="/demo/images/sofa.svg"),
    )
    product = create(images=images)
    assert product.details.images == (
        Image("https://img.example.com/sofa-front.jpg", "Front", 1200, 800),
        Image("/demo/images/sofa.svg", None, None, None),
    )
    assert product.snapshot()["images"][1] == {
        "url": "/demo/images/sofa.svg",
        "alt": None,
        "width": None,
        "height": None,
    }


@pytest.mark.parametrize(
    ("image", "field"),
    [
        (ImageRequest(url="http://img.example.com/a.jpg"), "images.0.url"),
        (ImageRequest(url="ftp://img.example.com/a.jpg"), "images.0.url"),
        (ImageRequest(url="javascript:alert(1)"), "images.0.url"),
        (ImageRequest(url="//img.example.com/a.jpg"), "images.0.url"),
        (ImageRequest(url="https://user:secret@img.example.com/a.jpg"), "images.0.url"),
        (ImageRequest(url="https://img.example.com/a b.jpg"), "images.0.url"),
        (ImageRequest(url="https:///a.jpg"), "images.0.url"),
        (ImageRequest(url="https://[::1/a.jpg"), "images.0.url"),
        (ImageRequest(url="https://img.example.com/" + "a" * 2000), "images.0.url"),
        (ImageRequest(url=" "), "images.0.url"),
        (ImageRequest(url="https://img.example.com/a.jpg", alt="a" * 201), "images.0.alt"),
        (ImageRequest(url="https://img.example.com/a.jpg", width=0), "images.0.width"),
        (ImageRequest(url="https://img.example.com/a.jpg", height=20_001), "images.0.height"),
    ],
)
def test_an_image_is_refused_on_the_field_it_breaks(image: ImageRequest, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(images=(image,))
    assert list(problems_of(refused.value)) == [field]


def test_an_image_repeated_in_one_list_is_refused() -> None:
    same = ImageRequest(url="https://img.example.com/a.jpg")
    with pytest.raises(ValidationFailed) as refused:
        create(images=(same, same))
    assert list(problems_of(refused.value)) == ["images.1.url"]


def test_a_product_has_at_most_the_bounded_number_of_images() -> None:
    images = tuple(ImageRequest(url=f"https://img.example.com/{i}.jpg") for i in range(IMAGES_MAX + 1))
    with pytest.raises(ValidationFailed) as refused:
        create(images=images)
    assert list(problems_of(refused.value)) == ["images"]


def test_updating_details_replaces_the_images_and_changes_the_slug_naming_both() -> None:
    product = create(images=(ImageRequest(url="https://img.example.com/a.jpg"),))
    product.update_details(slug="blue-sofa-3-seater", images=(), now=NOW)
    assert (product.details.slug, product.details.images) == ("blue-sofa-3-seater", ())
    event = product.pending_events[-1]
    assert isinstance(event, ProductDetailsUpdated)
    assert event.changed_fields == ("slug", "images")


@pytest.mark.parametrize("slug", ["Blue-sofa", "blue--sofa", "-blue", "blue-", "blue_sofa", "blué", "a" * 101, " "])
def test_a_given_slug_must_be_lowercase_words_joined_by_single_hyphens(slug: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(slug=slug)
    assert list(problems_of(refused.value)) == ["slug"]


def test_a_given_slug_is_trimmed_and_may_be_the_longest_allowed() -> None:
    assert create(slug=" blue-sofa ").details.slug == "blue-sofa"
    assert create(slug="a" * SLUG_MAX).details.slug == "a" * SLUG_MAX


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Linen shirt", "linen-shirt"),
        ("  Crème Brûlée — Dish, No. 2!  ", "creme-brulee-dish-no-2"),
        ("Straße & Smørrebrød Œuvre", "strasse-smorrebrod-oeuvre"),
        ("日本の椅子", "sku-1"),
        ("🙂", "sku-1"),
    ],
)
def test_a_made_slug_folds_the_name_to_ascii_words_or_falls_back_to_the_sku(name: str, slug: str) -> None:
    assert made_slug(name, "SKU-1") == slug


def test_a_made_slug_leaves_room_for_a_suffix_and_ends_on_a_word() -> None:
    slug = made_slug("word " * 40, "SKU-1")
    assert len(slug) <= SLUG_MAX - 8
    assert not slug.endswith("-")
    assert len(f"{slug}-1234567") <= SLUG_MAX


def test_slug_candidates_come_in_rounds_the_base_first_then_numbered_from_two() -> None:
    assert candidates("oak-chair", 0)[:3] == ["oak-chair", "oak-chair-2", "oak-chair-3"]
    assert candidates("oak-chair", 1)[0] == "oak-chair-11"
    assert len(set(candidates("oak-chair", 0) + candidates("oak-chair", 1))) == 20
