"""The assistant for signed-in users only, in a real browser: the refusal is
explained with a way to sign in, and signing in opens the socket."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.tests.browser import live_server
from core.tests.sessions import PASSWORD

pytestmark = pytest.mark.e2e


def manage(*arguments: str, environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=Path(settings.BASE_DIR),
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            **environment,
        },
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A development server that requires sign-in, with one user, "ada"."""
    database = tmp_path_factory.mktemp("db") / "db.sqlite3"
    environment = {
        "DATABASE_URL": f"sqlite:///{database}",
        "ASSISTANTS_REQUIRE_LOGIN": "true",
    }
    manage("migrate", "--noinput", environment=environment)
    manage(
        "createsuperuser",
        "--noinput",
        "--username=ada",
        "--email=ada@example.com",
        environment={**environment, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    with live_server(**environment) as url:
        yield url


def test_a_visitor_is_refused_and_can_sign_in_to_ask(
    page: Page, server_url: str
) -> None:
    page.goto(f"{server_url}/assistants/")

    expect(page.locator("#status")).to_have_text("Refused: sign in to use this")
    expect(page.locator("#conversation li.error")).to_contain_text("sign in")
    page.click("#sign-in-to-ask")

    expect(page.locator("h1")).to_have_text("Sign in")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in")

    expect(page).to_have_url(f"{server_url}/assistants/")
    expect(page.locator("#signed-in-as")).to_have_text("ada")
    expect(page.locator("#status")).to_have_attribute("data-state", "open")
    expect(page.locator("#question")).to_be_enabled()


def test_signing_out_brings_the_sign_in_link_back(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#signed-in-as")).to_have_text("ada")

    page.click("#sign-out")

    expect(page.locator("#sign-in-link")).to_be_visible()
    expect(page.locator("#signed-in-as")).to_have_count(0)
