"""Every page in a real browser: the Content-Security-Policy blocks nothing."""

import pytest
from playwright.sync_api import ConsoleMessage, Page

from core.tests.pages import browsable_pages

pytestmark = pytest.mark.e2e


def test_no_page_breaks_the_policy(page: Page, server_url: str) -> None:
    """Chromium reports each thing the policy blocks on the console."""
    violations: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", record)
    for path in browsable_pages():
        page.goto(f"{server_url}{path}", wait_until="load")

    assert violations == []
