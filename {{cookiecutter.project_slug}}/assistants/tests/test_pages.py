"""The assistant page."""

from django.test import Client, override_settings
from django.urls import reverse


@override_settings(OPENAI_API_KEY="configured", OPENAI_MODEL="test-model")
def test_page_shows_the_model_and_the_socket(client: Client) -> None:
    response = client.get(reverse("assistants:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-socket-path="/ws/assistants/"' in html
    assert "test-model" in html
    assert 'id="not-configured"' not in html


def test_page_warns_when_no_api_key_is_set(client: Client) -> None:
    html = client.get(reverse("assistants:index")).content.decode()

    assert 'id="not-configured"' in html
