"""The chat socket's edge cases: rooms apart, floods, bad frames, bad room names.

The tutorial's behaviours are the bake's own chat/tests/test_chat_consumer.py."""

from typing import cast

from chanx.constants import GROUP_ACTION_COMPLETE
from chanx.messages.outgoing import ErrorMessage

from chat.consumers.chat_consumer import (
    CLOSE_INVALID_ROOM,
    INVALID_ROOM,
    ChatConsumer,
)
from chat.messages import ChatMessagePayload, NewChatMessage
from core.tests.checks import SocketChecks
from core.tests.sockets import SocketTestCase, fresh_counts


class ChatRoomsTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/test-room/"

    async def test_rooms_differing_only_in_punctuation_stay_apart(self) -> None:
        dashed = self.create_communicator(ws_path="/ws/chat/-team/")
        await dashed.connect()
        plain = self.create_communicator(ws_path="/ws/chat/team/")
        await plain.connect()

        await dashed.send_message(
            NewChatMessage(payload=ChatMessagePayload(message="hi", name="A"))
        )

        assert await plain.receive_nothing()


class ChatFloodTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/flood/"

    async def test_a_message_over_the_limit_reaches_nobody(self) -> None:
        with fresh_counts(SOCKET_FRAMES_PER_MINUTE=2):
            await self.auth_communicator.connect()
            listener = self.create_communicator()
            await listener.connect()
            for text in ["one", "two", "three"]:
                await self.auth_communicator.send_message(
                    NewChatMessage(payload=ChatMessagePayload(message=text, name="Flo"))
                )
            replies = await self.auth_communicator.receive_all_messages(
                stop_action="error"
            )
            heard = [
                cast(NewChatMessage, message).payload.message
                for _ in range(2)
                for message in await listener.receive_all_messages(
                    stop_action=GROUP_ACTION_COMPLETE
                )
            ]

        assert [reply.action for reply in replies] == ["error"]
        assert cast(ErrorMessage, replies[0]).payload["code"] == "rate_limited"
        assert heard == ["one", "two"]
        assert await listener.receive_nothing(timeout=0.2)


class ChatConsumerBadInputTestCase(SocketChecks, SocketTestCase):
    """Bad frames get chanx's error message and the socket stays usable."""

    consumer = ChatConsumer
    ws_path = "/ws/chat/test-room/"

    async def test_payloads_breaking_the_bounds_are_refused(self) -> None:
        await self.auth_communicator.connect()
        listener = self.create_communicator()
        await listener.connect()

        for payload in (
            {"message": "", "name": "A"},
            {"message": "x" * 2001, "name": "A"},
            {"message": "hi", "name": ""},
            {"message": "hi", "name": "n" * 51},
            {"message": "hi"},
        ):
            await self.auth_communicator.send_json_to(
                {"action": "new_chat_message", "payload": payload}
            )
            messages = await self.auth_communicator.receive_all_messages()
            assert len(messages) == 1, payload
            assert isinstance(messages[0], ErrorMessage), payload

        assert await listener.receive_nothing()
        await self.assert_still_answers_ping()


class ChatRoomNameTestCase(SocketTestCase):
    """Room names a channel layer cannot use are refused with a clear close."""

    consumer = ChatConsumer

    async def assert_refused(self, ws_path: str) -> None:
        communicator = self.create_communicator(ws_path=ws_path)
        connected, _ = await communicator.connect()
        assert connected, ws_path
        explanation = await communicator.receive_json_from()
        assert explanation == {"action": "error", "payload": {"detail": INVALID_ROOM}}
        closing = await communicator.receive_output()
        assert closing["type"] == "websocket.close", ws_path
        assert closing["code"] == CLOSE_INVALID_ROOM, ws_path
        assert closing["reason"] == INVALID_ROOM

    async def test_invalid_room_names_are_refused(self) -> None:
        for room in ("bad!", "with space", "x" * 81, "caf%C3%A9", "%F0%9F%92%AC"):
            await self.assert_refused(f"/ws/chat/{room}/")

    async def test_paths_that_are_not_a_room_are_refused(self) -> None:
        for ws_path in ("/ws/chat//", "/ws/chat/a/b/", "/ws/chat/"):
            communicator = self.create_communicator(ws_path=ws_path)
            connected, _ = await communicator.connect()
            assert not connected, ws_path

    async def test_longest_valid_room_name_works(self) -> None:
        room = "a" * 80
        first = self.create_communicator(ws_path=f"/ws/chat/{room}/")
        await first.connect()
        second = self.create_communicator(ws_path=f"/ws/chat/{room}/")
        await second.connect()

        await first.send_message(
            NewChatMessage(payload=ChatMessagePayload(message="hi", name="A"))
        )

        received = await second.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE)
        assert [cast(NewChatMessage, m).payload.message for m in received] == ["hi"]
