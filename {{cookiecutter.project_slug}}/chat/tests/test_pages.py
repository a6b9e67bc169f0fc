"""The chat page."""

from django.test import Client


def test_chat_page_has_the_room_form_and_its_script(client: Client) -> None:
    response = client.get("/chat/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="join-form"' in html
    assert 'id="send-form"' in html
    assert "chat/chat.js" in html
    assert "core/live_socket.js" in html
