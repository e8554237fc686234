"""GraphiQL in a real Chromium, with nothing fetched from outside the service."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browser

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.elasticsearch]


def test_graphiql_renders_and_runs_a_query_with_no_outside_network(browser: Browser) -> None:
    page = browser.page
    page.goto(f"{browser.origin}/graphql")
    run = page.get_by_role("button", name="Execute query (Ctrl-Enter)")
    expect(run).to_be_visible()
    browser.step("graphiql-loaded")
    run.click()
    expect(page.locator(".result-window")).to_contain_text('"totalCount"')
    browser.step("query-answered")
    assert '"edges": []' not in page.locator(".result-window").inner_text()
    browser.assert_no_request_left_the_machine()


def test_graphiql_docs_explorer_shows_the_schema(browser: Browser) -> None:
    page = browser.page
    page.goto(f"{browser.origin}/graphql")
    page.get_by_role("button", name="Show Documentation Explorer").click()
    page.locator(".graphiql-doc-explorer").get_by_text("Query", exact=True).click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("searchProducts")
    browser.step("docs-explorer")
    browser.assert_no_request_left_the_machine()
