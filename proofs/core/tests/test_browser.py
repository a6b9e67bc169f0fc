"""The landing page in a real browser: each app link opens a working page."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from core.apps import realtime_apps

pytestmark = pytest.mark.e2e


def test_landing_page_links_each_app_to_a_working_page(
    page: Page, server_url: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    names = [str(config.verbose_name) for config in realtime_apps()]

    page.goto(server_url)
    cards = page.locator(".card h2 a")
    expect(cards).to_have_text(names)

    for name in names:
        page.goto(server_url)
        page.locator(".card h2 a", has_text=name).click()
        expect(page.locator("h1")).to_have_text(name)
        expect(page.locator("#status")).to_have_attribute("data-state", "open")
    assert errors == []


def test_docs_link_opens_the_asyncapi_docs(page: Page, server_url: str) -> None:
    page.goto(server_url)
    page.locator(".docs-link a", has_text="AsyncAPI docs").click()

    expect(page).to_have_url(f"{server_url}/asyncapi/docs/")


def test_the_docs_render_offline_naming_every_channel(
    page: Page, server_url: str
) -> None:
    """Everything not from this server is cut off: the page needs no CDN."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    local = urlsplit(server_url).hostname
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == local
            else route.abort()
        ),
    )
    schema = page.request.get(f"{server_url}/asyncapi/schema/").json()

    page.goto(f"{server_url}/asyncapi/docs/")

    docs = page.locator("#asyncapi")
    expect(docs).to_contain_text(schema["info"]["title"])
    for name, channel in schema["channels"].items():  # shown by address
        assert name in channel["address"]
        heading = docs.get_by_role("heading", name=f"SEND {channel['address']}")
        expect(heading.first).to_be_visible()
        expect(docs.get_by_text(channel["description"]).first).to_be_visible()
    assert errors == []
