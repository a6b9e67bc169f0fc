"""Tests for ChatConsumer WebSocket functionality."""

from typing import cast

from chanx.channels.testing import WebsocketTestCase
from chanx.constants import GROUP_ACTION_COMPLETE
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

from chat.consumers.chat_consumer import CLOSE_INVALID_ROOM, INVALID_ROOM, ChatConsumer
from chat.messages import ChatMessagePayload, NewChatMessage
from core.tests.sessions import signed_in_headers
from core.tests.sockets import SocketTestCase


class ChatConsumerTestCase(WebsocketTestCase):
    """Unit tests for ChatConsumer - focuses on group chat broadcasting."""

    consumer = ChatConsumer

    def setUp(self) -> None:
        super().setUp()
        self.group_name = "test-room"
        self.ws_path = f"/ws/chat/{self.group_name}/"

    async def test_connect_and_ping(self) -> None:
        """Test basic connection and ping/pong functionality."""
        await self.auth_communicator.connect()
        await self.auth_communicator.send_message(PingMessage())

        messages = await self.auth_communicator.receive_all_messages()
        assert messages == [PongMessage()]

    async def test_broadcast_message_to_group(self) -> None:
        """Test message broadcasting to all group members."""
        # Connect two users to the same group
        await self.auth_communicator.connect()
        communicator2 = self.create_communicator()
        await communicator2.connect()

        # User 1 sends message
        message = NewChatMessage(
            payload=ChatMessagePayload(message="Hello everyone!", name="User1")
        )
        await self.auth_communicator.send_message(message)

        # Only user 2 should receive message
        messages1 = await self.auth_communicator.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE, timeout=0.2
        )
        messages2 = await communicator2.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE
        )

        assert len(messages1) == 0  # due to exclude_current=True
        assert len(messages2) == 1

        received2 = cast(NewChatMessage, messages2[0])
        assert received2.action == "new_chat_message"
        assert received2.payload.message == "Hello everyone!"
        assert received2.payload.name == "User1"

    async def test_group_isolation(self) -> None:
        """Test that messages are isolated to specific groups."""
        # User 1 in room1
        communicator_room1 = self.create_communicator(ws_path="/ws/chat/room1/")
        await communicator_room1.connect()

        # User 2 in room2
        communicator_room2 = self.create_communicator(ws_path="/ws/chat/room2/")
        await communicator_room2.connect()

        # Send message in room1
        message = NewChatMessage(
            payload=ChatMessagePayload(message="Room1 message", name="User1")
        )
        await communicator_room1.send_message(message)

        # User in room2 should not receive it
        assert await communicator_room2.receive_nothing()


class ChatAdditionsTestCase(SocketTestCase):
    """What this project adds: room names checked, signed-in names kept."""

    consumer = ChatConsumer
    ws_path = "/ws/chat/lobby/"

    async def test_an_invalid_room_name_is_refused_with_a_reason(self) -> None:
        communicator = self.create_communicator(ws_path="/ws/chat/bad!/")
        await communicator.connect()

        assert await communicator.receive_json_from() == {
            "action": "error",
            "payload": {"detail": INVALID_ROOM},
        }
        await communicator.assert_closed(code=CLOSE_INVALID_ROOM)

    async def test_a_signed_in_member_speaks_under_their_user_name(self) -> None:
        await self.auth_communicator.connect()
        speaker = self.create_communicator(headers=await signed_in_headers("ada"))
        await speaker.connect()

        await speaker.send_message(
            NewChatMessage(payload=ChatMessagePayload(message="Hi", name="Grace"))
        )

        [heard] = await self.auth_communicator.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE
        )
        assert cast(NewChatMessage, heard).payload.name == "ada"
