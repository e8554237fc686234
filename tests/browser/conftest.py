"""Browser tests: Debian's Chromium, driven by Playwright, against a real `catalog serve --demo` on a free port.

Every request a page makes is recorded; one to another host is refused and fails the test (`Browser.outside`).
Each test takes a screenshot at each step (`Browser.step`); they are written to the test's tmp dir, and their
paths printed, when the test fails. With CATALOG_DOCS_SCREENSHOTS=DIR, the steps named in `DOCS_STEPS` are also
saved there (how docs/images/ is refreshed).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import Page, Request, Route, sync_playwright

from tests.e2e.conftest import Server, catalog_env, running_server
from tests.support.chromium import FLAGS, ensure_chromium

DOCS_SCREENSHOTS = os.environ.get("CATALOG_DOCS_SCREENSHOTS")
DOCS_STEPS = {
    "search-with-facets": "storefront-search.png",
    "product-page": "storefront-product.png",
    "phone": "storefront-phone.png",
    "query-answered": "graphiql.png",
}
TIMEOUT_MS = 20_000


@pytest.fixture(scope="package")
def chromium() -> Iterator[PlaywrightBrowser]:
    """Package-scoped, not session: while Playwright's sync API is open its event loop is the thread's running
    loop, and pytest-asyncio cannot run the async tests of other packages."""
    executable = ensure_chromium()
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, empty profile (its own --user-data-dir in a temp directory).
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=list(FLAGS))
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def demo_server(elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`catalog serve --demo` on an empty database: it seeds the demo catalog, and signs tokens with the
    generated development secret (no CATALOG_JWT_SECRET), so the demo customer can sign in."""
    tmp = tmp_path_factory.mktemp("demo")
    env = catalog_env(tmp, elasticsearch_url, f"browser-{uuid.uuid4().hex[:12]}")
    del env["CATALOG_JWT_SECRET"]
    yield from running_server(["serve", "--demo"], env, tmp, elasticsearch_url)


@dataclass
class Browser:
    """One page of a fresh browser context, its requests recorded, its steps photographed."""

    page: Page
    origin: str
    outside: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    steps: list[tuple[str, bytes]] = field(default_factory=list)

    def step(self, name: str) -> None:
        shot = self.page.screenshot(full_page=False)
        self.steps.append((name, shot))
        if DOCS_SCREENSHOTS and name in DOCS_STEPS:
            Path(DOCS_SCREENSHOTS, DOCS_STEPS[name]).write_bytes(shot)

    def assert_no_request_left_the_machine(self) -> None:
        assert self.requested, "the page made no request at all"
        assert self.outside == [], f"requests to other hosts: {self.outside}"

    def _route(self, route: Route, request: Request) -> None:
        self.requested.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort("blockedbyclient")


@pytest.fixture
def browser(
    chromium: PlaywrightBrowser, demo_server: Server, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Browser]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    recorded = Browser(page, demo_server.url)
    context.route("**/*", recorded._route)
    try:
        yield recorded
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            if not recorded.steps or recorded.steps[-1][0] != "at-failure":
                recorded.steps.append(("at-failure", page.screenshot(full_page=True)))
            paths = []
            for number, (name, shot) in enumerate(recorded.steps, 1):
                path = tmp_path / f"{number:02d}-{name}.png"
                path.write_bytes(shot)
                paths.append(str(path))
            print("screenshots of each step:\n  " + "\n  ".join(paths))
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test item, so the fixture above knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
