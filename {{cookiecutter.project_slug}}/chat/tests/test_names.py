"""Names a visitor cannot take, and visitors' messages told apart."""

from typing import cast

import pytest
from asgiref.sync import sync_to_async
from chanx.constants import GROUP_ACTION_COMPLETE
from django.contrib.auth.models import User

from chat.consumers.chat_consumer import NAME_TAKEN, ChatConsumer
from chat.messages import ChatHistory, ChatMessagePayload, NewChatMessage
from chat.models import ChatMessage
from chat.names import is_taken, readings
from core.tests.sessions import make_user, signed_in_headers
from core.tests.sockets import SocketTestCase

# The last two: with a Cyrillic a, and with a full-width a.
LOOK_ALIKES = ["alice", "Alice", "ALICE", "AIice", "a1ice", "\u0430lice", "\uff41lice"]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alikes_read_the_same(name: str) -> None:
    assert readings(name) & readings("alice")


@pytest.mark.django_db
def test_a_member_name_is_taken_while_it_is_theirs() -> None:
    make_user("rnallory")  # "m" reads as "rn"
    assert is_taken("mallory")
    assert not is_taken("malory")
    user = User.objects.get()
    user.save(update_fields=["last_login"])  # a save that keeps the name
    assert is_taken("mallory")
    user.username = "carol"
    user.save()
    assert not is_taken("mallory")
    assert is_taken("CAROL")
    user.delete()
    assert not is_taken("carol")


class NamesTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/lobby/"

    async def test_a_visitor_cannot_post_as_a_member_or_a_look_alike(self) -> None:
        await self.auth_communicator.connect()
        await signed_in_headers("alice")
        for name in LOOK_ALIKES:
            speaker = self.create_communicator()
            await speaker.connect()
            payload = ChatMessagePayload(message="hi", name=name)
            await speaker.send_message(NewChatMessage(payload=payload))
            assert await speaker.receive_json_from() == {
                "action": "error",
                "payload": {"detail": NAME_TAKEN},
            }
            await speaker.receive_all_messages()  # its completion frame
            await self.assert_still_answers_ping(speaker)
        assert await self.auth_communicator.receive_nothing()
        assert not await sync_to_async(ChatMessage.objects.exists)()

    async def test_every_message_says_whether_a_member_sent_it(self) -> None:
        await self.auth_communicator.connect()
        for name, headers in [("ada", await signed_in_headers("ada")), ("Bo", [])]:
            speaker = self.create_communicator(headers=headers)
            await speaker.connect()
            payload = ChatMessagePayload(message="hi", name=name, member=True)
            await speaker.send_message(NewChatMessage(payload=payload))
        heard = await self.auth_communicator.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE
        )
        heard += await self.auth_communicator.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE
        )
        said = [cast(NewChatMessage, m).payload for m in heard]
        assert [(p.name, p.member) for p in said] == [("ada", True), ("Bo", False)]
        joining = self.create_communicator()
        await joining.connect()
        history = ChatHistory.model_validate(await joining.receive_json_from())
        assert [m.member for m in history.payload.messages] == [True, False]
