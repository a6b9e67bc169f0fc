"""The system page in a real browser, against a live server.

With ``REDIS_URL`` set a Celery worker runs beside the server, as in
development, and jobs come back to the page; without it the page must say
that jobs are off. Either way the test runs: it checks what a user would see.
"""

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.tests.processes import stop
from core.tests.servers import migrated_database

pytestmark = pytest.mark.e2e

# The worker and the command run as a developer runs them, as does the live
# server (core.tests.browser).
DEVELOPMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    "SYSTEM_JOB_DELAY_SCALE": "0",
}


@pytest.fixture(scope="module")
def worker() -> Iterator[None]:
    """A Celery worker process when there is a Redis to take jobs from."""
    if not settings.REDIS_URL:
        yield
        return
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--pool", "solo", "--without-mingle", "--without-gossip"),
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            **DEVELOPMENT,
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": migrated_database(),
        },
    )
    try:
        yield
    finally:
        stop(process)


def open_system_page(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/system/")
    expect(page.locator("#status")).to_have_attribute("data-state", "open")


def test_a_job_answers_on_the_page_as_text(
    page: Page, server_url: str, worker: None
) -> None:
    open_system_page(page, server_url)

    page.select_option("#task-type", "translate")
    page.fill("#content", "hello <b>world</b>")
    page.click("#submit")

    log = page.locator("#events")
    expect(log.locator("li.mine")).to_have_text(["translatehello <b>world</b>"])
    if settings.REDIS_URL:
        expect(log.locator("li.note")).to_contain_text(["Job queued: translate"])
        # The worker may still be starting: give it time.
        expect(log.locator("li").last).to_have_text(
            "ResultTranslated: 'hello <b>world</b>' → 'hola <b>mundo</b>'",
            timeout=20_000,
        )
    else:
        expect(log.locator("li.error")).to_contain_text(
            ["Background jobs are off: REDIS_URL is not set"]
        )
    expect(log.locator("b")).to_have_count(0)


def test_a_notice_from_the_command_line(page: Page, server_url: str) -> None:
    open_system_page(page, server_url)

    command = subprocess.run(
        [sys.executable, "manage.py", "send_notification", "Back at noon"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **DEVELOPMENT, "DATABASE_URL": migrated_database()},
        capture_output=True,
        text=True,
        check=True,
    )

    log = page.locator("#events li")
    if settings.REDIS_URL:
        expect(log).to_have_text(["NoticeBack at noon"])
    else:
        assert "REDIS_URL is not set" in command.stderr
        page.wait_for_timeout(500)
        expect(log).to_have_count(0)
