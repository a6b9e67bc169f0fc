"""The chat page in a real browser, against a live server."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def join(page: Page, server_url: str, name: str, room: str) -> None:
    page.goto(f"{server_url}/chat/")
    page.fill("#name", name)
    page.fill("#room", room)
    page.click("#join")
    expect(page.locator("#status")).to_have_attribute("data-state", "open")
    expect(page.locator("#messages .note")).to_have_text(f"Joined {room}.")


def send(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.click("#send")


def test_members_of_a_room_see_each_others_messages(
    new_page: Callable[[], Page], server_url: str
) -> None:
    ada, grace, linus = new_page(), new_page(), new_page()
    join(ada, server_url, "Ada", "engine")
    join(grace, server_url, "Grace", "engine")
    join(linus, server_url, "Linus", "kernel")

    send(ada, "Hello from Ada")
    expect(grace.locator("#messages li").last).to_have_text("AdaHello from Ada")
    send(grace, "Hi Ada")
    expect(ada.locator("#messages li").last).to_have_text("GraceHi Ada")

    expect(ada.locator("#messages li.mine")).to_have_text(["AdaHello from Ada"])
    expect(linus.locator("#messages li")).to_have_text(["Joined kernel."])

    # None of them signed in: each message, heard or sent, is tagged a visitor's.
    names = grace.locator("#messages li.visitor .who")
    expect(names).to_have_text(["Ada", "Grace"])
    tag = names.first.evaluate("who => getComputedStyle(who, '::after').content")
    assert tag == '"visitor"'


def test_html_in_a_message_is_shown_as_text(
    new_page: Callable[[], Page], server_url: str
) -> None:
    sender, reader = new_page(), new_page()
    join(sender, server_url, "Mallory", "safe")
    join(reader, server_url, "Reader", "safe")

    send(sender, "<img src=x onerror=alert(1)><b>bold</b>")

    last = reader.locator("#messages li").last
    expect(last).to_have_text("Mallory<img src=x onerror=alert(1)><b>bold</b>")
    expect(last.locator("img, b")).to_have_count(0)


def test_an_invalid_room_name_is_refused_with_a_reason(
    page: Page, server_url: str
) -> None:
    page.goto(f"{server_url}/chat/")
    page.fill("#name", "Ada")
    page.evaluate("document.querySelector('#room').removeAttribute('pattern')")
    page.fill("#room", "no spaces allowed")
    page.click("#join")

    expect(page.locator("#status")).to_have_attribute("data-state", "closed")
    expect(page.locator("#messages li.error")).to_have_text(
        "Room names are 1-80 letters, digits, '-', '_' or '.'."
    )
