"""Every page carries the Content-Security-Policy, and no page needs it loosened.

The admin's pages are visited signed in as a superuser too.
"""

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

from core.tests.pages import every_page

POLICY = "Content-Security-Policy"
DOCS = "/asyncapi/docs/"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, styles and
    event handlers, and ``javascript:`` URLs; nonce-carrying elements apart."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.nonced: list[tuple[str, dict[str, str | None]]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "nonce" in attributes:
            self.nonced.append((tag, attributes))
        elif tag == "style":
            self.blocked.append("<style>")
        elif tag == "script" and "src" not in attributes:
            self._open = (tag, attributes)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.blocked.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}={value}>")

    def handle_data(self, data: str) -> None:
        if self._open is not None and data.strip():
            self.blocked.append(f"<script>{data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "superuser"])
def test_every_page_carries_the_policy_and_no_inline_code(
    client: Client, signed_in: bool
) -> None:
    if signed_in:
        user = User.objects.create_superuser("root", "root@example.com", "unused")
        client.force_login(user)
    pages = every_page()
    assert "/" in pages and DOCS in pages

    for path in pages:
        response = client.get(path)
        assert POLICY in response, path
        if response["Content-Type"].startswith("text/html"):
            page = inline_code(response.content.decode())
            assert page.blocked == [], path
            assert page.nonced == [] or path == DOCS, path


def test_the_site_policy_is_strict(client: Client) -> None:
    policy = directives(client.get("/")[POLICY])

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_sockets_may_connect_to_the_pages_own_host_only(client: Client) -> None:
    plain = directives(client.get("/", HTTP_HOST="localhost:8000")[POLICY])
    secure = directives(client.get("/", HTTP_HOST="localhost", secure=True)[POLICY])

    assert plain["connect-src"] == ["'self'", "ws://localhost:8000"]
    assert secure["connect-src"] == ["'self'", "wss://localhost"]


def test_a_request_for_a_foreign_host_is_refused_with_the_policy(
    client: Client,
) -> None:
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert directives(response[POLICY])["connect-src"] == ["'self'"]


def test_the_docs_page_is_allowed_its_renderer_and_nothing_else(
    client: Client,
) -> None:
    site = directives(client.get("/")[POLICY])
    response = client.get(DOCS)
    docs = directives(response[POLICY])
    page = inline_code(response.content.decode())
    nonce = f"'nonce-{page.nonced[0][1]['nonce']}'"

    # No other host: the renderer is this site's own (static) files.
    assert docs == {
        **site,
        "script-src": [*site["script-src"], nonce, "'unsafe-eval'"],
    }
    assert page.blocked == []
    # Only the inline starter carries the nonce.
    assert [(tag, attributes.get("src")) for tag, attributes in page.nonced] == [
        ("script", None)
    ]


def test_the_docs_renderer_is_served_here_and_checked_by_its_hashes(
    client: Client,
) -> None:
    html = client.get(DOCS).content.decode()
    assets = re.findall(
        r'<(?:script src|link rel="stylesheet" href)="([^"]+)" '
        r'integrity="(sha384-[^"]+)" crossorigin="anonymous"',
        html,
    )

    assert [url for url, _ in assets] == [
        static("asyncapi/default.min.css"),
        static("asyncapi/index.js"),
    ]
    for url, integrity in assets:
        found = finders.find(url.removeprefix(settings.STATIC_URL).lstrip("/"))
        digest = hashlib.sha384(Path(str(found)).read_bytes()).digest()
        assert integrity == f"sha384-{base64.b64encode(digest).decode()}", url
