"""The storefront in a real Chromium: search, facets, pages, a product, an order and its history, with nothing
fetched from outside the service."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Browser

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.elasticsearch]

COUNT = re.compile(r"\((\d+)\)")


def brand_counts(page: Page) -> dict[str, int]:
    labels = page.locator("[data-facet=brand] label")
    counts = {}
    for label in labels.all():
        name = label.get_attribute("data-value") or ""
        found = COUNT.search(label.inner_text())
        assert found, label.inner_text()
        counts[name] = int(found.group(1))
    return counts


def settled(page: Page) -> None:
    """Waits until the page drawn for the latest navigation is shown."""
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")


def results_title(page: Page) -> Locator:
    return page.locator("#results-title")


def total(page: Page) -> int:
    return int(results_title(page).inner_text().split()[0].replace(",", ""))


def search(browser: Browser, words: str) -> None:
    page = browser.page
    page.goto(browser.origin)
    expect(page.locator(".grid .card").first).to_be_visible()
    page.get_by_role("combobox", name="Search products").fill(words)
    expect(page.get_by_role("listbox", name="Suggestions").get_by_role("option").first).to_be_visible()
    browser.step("suggestions")
    page.get_by_role("combobox", name="Search products").press("Enter")
    expect(results_title(page)).to_contain_text(f"for “{words}”")


def test_search_suggests_as_you_type_and_a_suggestion_opens_its_product(browser: Browser) -> None:
    page = browser.page
    page.goto(browser.origin)
    box = page.get_by_role("combobox", name="Search products")
    box.fill("oak")
    first = page.get_by_role("listbox", name="Suggestions").get_by_role("option").first
    expect(first).to_contain_text("Oak")
    name = first.inner_text()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    browser.step("suggestion-opened")
    browser.assert_no_request_left_the_machine()


def test_narrowing_by_two_brands_keeps_the_other_brands_counts(browser: Browser) -> None:
    page = browser.page
    search(browser, "oak")
    before = brand_counts(page)
    first, second, *others = sorted(before, key=before.__getitem__, reverse=True)
    assert others
    page.get_by_role("checkbox", name=re.compile(f"^{re.escape(first)} ")).check()
    expect(results_title(page)).to_contain_text(f"{before[first]:,} products")
    page.get_by_role("checkbox", name=re.compile(f"^{re.escape(second)} ")).check()
    expect(results_title(page)).to_contain_text(f"{before[first] + before[second]:,} products")
    browser.step("search-with-facets")
    assert brand_counts(page) == before
    expect(page.get_by_role("checkbox", name=re.compile(f"^{re.escape(first)} "))).to_be_checked()
    assert {card.inner_text() for card in page.locator(".card .maker").all()} <= {first, second}
    browser.assert_no_request_left_the_machine()


def test_a_page_whose_cursor_is_refused_starts_again_at_the_first_page(browser: Browser) -> None:
    page = browser.page
    page.goto(f"{browser.origin}/?sort=NEWEST&after=expired-or-forged&page=4")

    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1")
    expect(page.locator(".grid .card").first).to_be_visible()
    assert "after=" not in page.url
    assert "sort=NEWEST" in page.url
    browser.assert_no_request_left_the_machine()


def test_next_page_shows_the_following_products(browser: Browser) -> None:
    page = browser.page
    page.goto(browser.origin)
    names = page.locator(".card .name")
    expect(names.first).to_be_visible()
    first_page = names.all_inner_texts()
    page.get_by_role("button", name="Next page →").click()
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2")
    browser.step("page-2")
    second_page = names.all_inner_texts()
    assert len(second_page) == len(first_page) == 12
    assert not set(first_page) & set(second_page)
    page.go_back()
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1")
    assert names.all_inner_texts() == first_page
    browser.assert_no_request_left_the_machine()


def test_a_product_page_shows_its_details_and_stock(browser: Browser) -> None:
    page = browser.page
    search(browser, "oak")
    card = page.locator(".card").first
    name = card.locator(".name").inner_text()
    price = card.locator(".price").inner_text()
    card.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert re.fullmatch(r"/products/[^/]+", page.url.removeprefix(browser.origin))
    expect(page.locator(".product-info .price")).to_have_text(price)
    expect(page.locator(".product-info .stock")).to_have_text(re.compile("In stock|Only \\d+ left|Sold out"))
    expect(page.get_by_role("table", name="Details")).to_contain_text("material")
    browser.step("product-page")
    browser.assert_no_request_left_the_machine()


def test_the_demo_customer_places_an_order_and_sees_it_in_the_order_history(browser: Browser) -> None:
    page = browser.page
    page.goto(browser.origin)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign in as the demo customer").click()
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("^Northwind ")).check()
    settled(page)
    page.get_by_role("combobox", name="Sort by").select_option("PRICE_DESC")
    settled(page)
    expect(page.get_by_role("checkbox", name=re.compile("^Northwind "))).to_be_checked()
    in_stock = page.locator(".card", has=page.locator(".stock.in")).first
    name = in_stock.locator(".name").inner_text()
    in_stock.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name="Cart, 2 items")).to_be_visible()
    page.get_by_role("link", name="Cart, 2 items").click()
    browser.step("cart")
    page.get_by_role("button", name=re.compile("^Place order as demo-")).click()
    expect(page.get_by_role("status")).to_have_text("Thank you! Your order is placed.")
    newest = page.get_by_role("list", name="Orders").get_by_role("listitem").first
    expect(newest).to_contain_text("PLACED")
    expect(newest).to_contain_text(f"2 \N{MULTIPLICATION SIGN} {name}")
    assert "new" in (newest.get_attribute("class") or "")
    browser.step("order-history")
    browser.assert_no_request_left_the_machine()


def test_on_a_phone_the_filters_fold_away_until_opened(browser: Browser) -> None:
    page = browser.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(browser.origin)
    expect(page.locator(".grid .card").first).to_be_visible()
    northwind = page.get_by_role("checkbox", name=re.compile("^Northwind "))
    expect(northwind).to_be_hidden()
    browser.step("phone")
    page.get_by_text("Filters", exact=True).click()
    northwind.check()
    settled(page)
    assert set(page.locator(".card .maker").all_inner_texts()) == {"Northwind"}
    card = page.locator(".card").first.bounding_box()
    assert card is not None
    assert card["x"] + card["width"] <= 390
    browser.assert_no_request_left_the_machine()
