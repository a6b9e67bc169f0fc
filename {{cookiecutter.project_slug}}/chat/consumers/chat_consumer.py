"""The chat socket: a room is a channel-layer group, so a message reaches every
member of it, whichever server process holds their connection."""

import re
from typing import Any

from chanx.core.decorators import channel, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage

from chat.messages import NAME_MAX_LENGTH, ChatMessagePayload, NewChatMessage
from core.authentication import signed_in_user
from core.consumers import RealtimeConsumer

# What channel layers accept in a group name, kept short enough to prefix.
ROOM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")

# Close code for a room name the server will not use (4000-4999 are the app's).
CLOSE_INVALID_ROOM = 4400
INVALID_ROOM = "Room names are 1-80 letters, digits, '-', '_' or '.'."


@channel(
    name="chat",
    description="A chat room: each message a member sends goes to every other member.",
    tags=["chat"],
)
class ChatConsumer(RealtimeConsumer):
    """One member's connection to the room named in the URL.

    Messages are broadcast to everyone else in the room: the sender's page
    shows what it sent already, and an echo would show it twice. Visitors and
    signed-in users alike may join; a signed-in member speaks under their user
    name, which nobody else can take. Without Redis the room is closed with
    1013 (``core.outage``).
    """

    async def websocket_connect(self, message: Any) -> None:
        room_name = self.url_params["room_name"]
        if ROOM_NAME.fullmatch(room_name):
            # Join before the handshake completes, so a connected client is
            # already in the room and hears every message sent after. Valid
            # names are safe group names; the prefix keeps rooms apart from
            # other apps' groups without merging two different rooms.
            await self.join_group(f"chat.{room_name}")
        await super().websocket_connect(message)

    async def post_authentication(self) -> None:
        if not ROOM_NAME.fullmatch(self.url_params["room_name"]):
            # Not every server passes a close reason on, so say it first.
            await self.send_message(ErrorMessage(payload={"detail": INVALID_ROOM}))
            await self.close(code=CLOSE_INVALID_ROOM, reason=INVALID_ROOM)

    @ws_handler(summary="Check that the connection is alive")
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Send a message to the room",
        description=(
            "Everyone else in the room receives it; the sender does not. A "
            "signed-in member's name is their user name, whatever the payload says."
        ),
        output_type=NewChatMessage,
    )
    async def handle_new_chat_message(self, message: NewChatMessage) -> None:
        user = signed_in_user(self.scope)
        if user is not None:
            message = NewChatMessage(
                payload=ChatMessagePayload(
                    message=message.payload.message,
                    name=user.get_username()[:NAME_MAX_LENGTH],
                )
            )
        await self.broadcast_message(message, exclude_current=True)
