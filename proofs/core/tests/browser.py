"""Browser-test fixtures: a live development server and headless Chromium.

Loaded by the root ``conftest.py``. Tests that use them are marked ``e2e`` and
run with ``pytest -m e2e``. The live server (``server_url``) is shared by the
session and started in the background (core.tests.servers); a test that needs
other settings starts its own with ``live_server``.
"""

import os
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from core.tests.processes import free_port, stop, wait_until_listening
from core.tests.servers import Server, migrated_database


@contextmanager
def live_server(**environment: str) -> Generator[str, None, None]:
    """Run ``manage.py runserver`` on a free local port; yield its base URL.

    The server is a separate process, as it is for a user: the page, its
    static files and its sockets are served exactly as in development.
    """
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": migrated_database(),
        **environment,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=settings.BASE_DIR,
        env=env,
    )
    try:
        wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="session")
def server_url(development_server: Server) -> str:
    """The shared development server's address (``manage.py runserver``)."""
    return development_server.origin


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium: Playwright's own, or the one named by
    ``PLAYWRIGHT_CHROMIUM_EXECUTABLE`` (for example ``/usr/bin/chromium``)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or None,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Page]]:
    """Open pages as separate visitors; if the test fails, screenshot each."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = Path(settings.BASE_DIR) / "e2e-screenshots"
        folder.mkdir(exist_ok=True)
        for number, context in enumerate(contexts):
            for each in context.pages:
                each.screenshot(path=folder / f"{request.node.name}-{number}.png")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.report_call = report  # type: ignore[attr-defined]
    return report
