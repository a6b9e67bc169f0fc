"""The landing page and the AsyncAPI docs match the apps this project has."""

import re
from html import escape

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from core.apps import realtime_apps, realtime_pages


def test_every_app_with_a_socket_is_listed() -> None:
    """An app whose config is not a RealtimeAppConfig would vanish from the pages."""
    routed = {routing.parent.name for routing in settings.BASE_DIR.glob("*/routing.py")}
    assert {config.label for config in realtime_apps()} == routed - {"config", "core"}


def test_landing_page_links_each_app_and_the_docs(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    app_pages = {reverse(config.page_url_name) for config in realtime_pages()}
    sign_in = f"{reverse('core:login')}?next=/"
    expected = app_pages | {"/", "/asyncapi/docs/", "/asyncapi/schema/", sign_in}
    links = set(re.findall(r'href="(/[^"]*)"', response.content.decode()))
    assert {link for link in links if not link.startswith("/static/")} == expected


def test_landing_page_names_the_project_and_says_when_there_is_no_app(
    client: Client,
) -> None:
    html = client.get("/").content.decode()
    assert escape(settings.PROJECT_NAME) in html
    assert ('id="no-apps"' in html) is not bool(realtime_apps())


def test_each_app_page_renders(client: Client, db: None) -> None:
    for config in realtime_pages():
        response = client.get(reverse(config.page_url_name))
        assert response.status_code == 200, config.label
        assert config.socket_path.split("<")[0] in response.content.decode()


def test_asyncapi_schema_lists_one_channel_per_app(client: Client) -> None:
    response = client.get("/asyncapi/schema/")
    assert response.status_code == 200
    channels = response.json()["channels"].values()
    expected = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", config.socket_path).lstrip("/")
        for config in realtime_apps()
    }
    assert {channel["address"] for channel in channels} == expected


def test_asyncapi_docs_page_renders(client: Client) -> None:
    response = client.get("/asyncapi/docs/")
    assert response.status_code == 200
    assert b"asyncapi" in response.content.lower()


def test_landing_page_hides_the_docs_when_they_are_private(client: Client) -> None:
    with override_settings(ASYNCAPI_PUBLIC=False):
        assert "/asyncapi/" not in client.get("/").content.decode()
