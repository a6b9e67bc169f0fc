"""Who a chat message says it is from: the server decides for signed-in members,
and a visitor's chosen name must be a plain, visible one."""

from typing import cast

from chanx.channels.testing import DjangoWebsocketCommunicator
from chanx.constants import GROUP_ACTION_COMPLETE
from chanx.messages.outgoing import ErrorMessage

from chat.consumers.chat_consumer import ChatConsumer
from chat.messages import ChatMessagePayload, NewChatMessage
from core.tests.sessions import signed_in_headers
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase
from core.tests.tokens import token_headers


class ChatIdentityTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/identity/"

    async def room(
        self, speaker_headers: list[tuple[bytes, bytes]] | None = None
    ) -> tuple[DjangoWebsocketCommunicator, DjangoWebsocketCommunicator]:
        """A speaker and a listener in the same room, both connected."""
        speaker = self.create_communicator(headers=speaker_headers or [])
        listener = self.create_communicator(headers=[])
        for communicator in (speaker, listener):
            connected, _ = await communicator.connect()
            assert connected
        return speaker, listener

    async def say(
        self, speaker: DjangoWebsocketCommunicator, message: str, name: str
    ) -> None:
        await speaker.send_json_to(
            {
                "action": "new_chat_message",
                "payload": {"message": message, "name": name},
            }
        )

    async def heard(self, listener: DjangoWebsocketCommunicator) -> list[str]:
        messages = await listener.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE, timeout=REPLY_TIMEOUT
        )
        return [cast(NewChatMessage, message).payload.name for message in messages]

    async def test_a_signed_in_member_speaks_under_their_user_name(self) -> None:
        speaker, listener = await self.room(await signed_in_headers("ada"))

        await self.say(speaker, "Hello", name="Grace Hopper")

        assert await self.heard(listener) == ["ada"]

    async def test_a_program_signed_in_by_token_speaks_under_its_user_name(
        self,
    ) -> None:
        speaker, listener = await self.room(await token_headers("grace"))

        await self.say(speaker, "Hello", name="Ada Lovelace")

        assert await self.heard(listener) == ["grace"]

    async def test_a_visitor_speaks_under_the_name_they_chose_trimmed(self) -> None:
        speaker, listener = await self.room()

        await self.say(speaker, "Hello", name="  Grace  ")

        assert await self.heard(listener) == ["Grace"]

    async def test_names_that_hide_or_reverse_text_are_refused(self) -> None:
        speaker, listener = await self.room()

        for name in [
            "   ",
            "",
            "evil\u202etxt.exe",  # right-to-left override
            "Ad\u200ba",  # zero-width space
            "Ada\u2066",  # left-to-right isolate
            "bell\x07",
            "two\nlines",
        ]:
            await self.say(speaker, "Hello", name=name)
            messages = await speaker.receive_all_messages(stop_action="error")
            assert len(messages) == 1, name
            assert isinstance(messages[0], ErrorMessage), name
            await speaker.receive_all_messages()  # its completion frame

        assert await listener.receive_nothing()
        await self.assert_still_answers_ping(speaker)


def test_the_payload_keeps_its_fields_and_trims_the_name() -> None:
    payload = ChatMessagePayload(message="Hi", name="\tAda ")

    # seq, sent_at and member are the server's to set, once the message is stored.
    assert payload.model_dump() == {
        "message": "Hi",
        "name": "Ada",
        "seq": None,
        "sent_at": None,
        "member": False,
    }
