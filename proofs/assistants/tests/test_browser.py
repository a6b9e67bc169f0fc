"""The assistant page in a real browser, against the live server and its fake provider."""

import pytest
from playwright.sync_api import Page, expect

from assistants.tests.fake_openai import FakeOpenAI, chunk

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def provider(shared_provider: FakeOpenAI) -> FakeOpenAI:
    """The live server's fake provider, as good as new for each test."""
    shared_provider.events = []
    shared_provider.status = 200
    shared_provider.pause_after = None
    shared_provider.resume.clear()
    return shared_provider


def open_assistant(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/assistants/")
    expect(page.locator("#status")).to_have_attribute("data-state", "open")


def ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.click("#ask")


def test_the_answer_is_shown_as_it_streams(
    page: Page, server_url: str, provider: FakeOpenAI
) -> None:
    provider.events = [chunk("Hello"), chunk(" <b>world</b>")]
    provider.pause_after = 1
    open_assistant(page, server_url)

    ask(page, "Greet me")

    answer = page.locator("#conversation li").last
    expect(page.locator("#conversation li.mine")).to_have_text(["YouGreet me"])
    expect(answer).to_have_text("AssistantHello")
    expect(answer).to_have_class("streaming")
    expect(page.locator("#ask")).to_be_disabled()

    provider.resume.set()
    expect(answer).to_have_text("AssistantHello <b>world</b>")
    expect(answer).not_to_have_class("streaming")
    expect(answer.locator("b")).to_have_count(0)
    expect(page.locator("#ask")).to_be_enabled()


def test_a_failure_is_shown_and_the_page_works_on(
    page: Page, server_url: str, provider: FakeOpenAI
) -> None:
    provider.status = 401
    open_assistant(page, server_url)

    ask(page, "Hello?")

    expect(page.locator("#conversation li.error")).to_contain_text("HTTP 401")
    provider.status = 200
    provider.events = [chunk("Back again")]
    ask(page, "Hello?")
    expect(page.locator("#conversation li").last).to_have_text("AssistantBack again")
