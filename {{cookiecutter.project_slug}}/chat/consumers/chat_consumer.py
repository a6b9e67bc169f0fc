"""The chat socket: a room is a channel-layer group, so a message reaches every
member of it, whichever server process holds their connection."""

import asyncio
import re
from typing import Any
from urllib.parse import parse_qs
from weakref import WeakValueDictionary

from channels.db import database_sync_to_async
from chanx.core.decorators import channel, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from chanx.type_defs import GroupMessageEvent

from chat import history, names
from chat.messages import (
    NAME_MAX_LENGTH,
    ChatHistory,
    ChatHistoryPayload,
    ChatHistoryRequest,
    ChatMessagePayload,
    NewChatMessage,
)
from core.authentication import signed_in_user
from core.consumers import RealtimeConsumer

# What channel layers accept in a group name, kept short enough to prefix.
ROOM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")
SEQ = re.compile(r"[0-9]{1,18}")

# Close code for a room name the server will not use (4000-4999 are the app's).
CLOSE_INVALID_ROOM = 4400
INVALID_ROOM = "Room names are 1-80 letters, digits, '-', '_' or '.'."
INVALID_AFTER = "?after= takes the number (seq) of the last message the client saw."
NAME_TAKEN = "That name is, or looks like, a member's user name: pick another."

# Off the event loop, in the loop's thread pool: a slow write holds up one room.
store = database_sync_to_async(history.store, thread_sensitive=False)
missed = database_sync_to_async(history.missed, thread_sensitive=False)
is_taken = database_sync_to_async(names.is_taken, thread_sensitive=False)
# One write at a time per room in this process, so its broadcasts go out in order.
room_turns: "WeakValueDictionary[str, asyncio.Lock]" = WeakValueDictionary()
as_payload = ChatMessagePayload.model_validate


@channel(
    name="chat",
    description="A chat room: each message a member sends goes to every other member.",
    tags=["chat"],
)
class ChatConsumer(RealtimeConsumer):
    """One member's connection to the room named in the URL.

    Messages are stored (``chat.history``), then broadcast with their ``seq`` to
    everyone else in the room: the sender's page shows what it sent already, and
    an echo would show it twice. Joining sends a ``chat_history`` first, unless
    there is nothing to tell; ``?after=<seq>`` resumes after a drop. Visitors and
    signed-in users alike may join; a signed-in member speaks under their user
    name, which no visitor may take or imitate (``chat.names``). Without Redis
    the room is closed with 1013 (``core.outage``).
    """

    replayed_up_to = 0  # live messages up to this seq went out in the replay

    async def websocket_connect(self, message: Any) -> None:
        self.room = room_name = self.url_params["room_name"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.after = query.get("after", [None])[0]
        self.replay: ChatHistory | None = None
        if ROOM_NAME.fullmatch(room_name):
            # Join before the handshake completes, so a connected client is
            # already in the room and hears every message sent after. Valid
            # names are safe group names; the prefix keeps rooms apart from
            # other apps' groups without merging two different rooms.
            await self.join_group(f"chat.{room_name}")
            # Read after joining: what is stored since comes live, and what
            # comes live but was read here is dropped (handle_group_message).
            if self.after is None or SEQ.fullmatch(self.after):
                after = None if self.after is None else int(self.after)
                self.replay = await self.history_since(after)
        await super().websocket_connect(message)

    async def post_authentication(self) -> None:
        replay = self.replay
        if replay is not None:  # the room and after are valid
            if replay.payload.messages or replay.payload.missed_earlier:
                await self.send_message(replay)
            return
        refusal = INVALID_ROOM if not ROOM_NAME.fullmatch(self.room) else INVALID_AFTER
        # Not every server passes a close reason on, so say it first.
        await self.send_message(ErrorMessage(payload={"detail": refusal}))
        await self.close(code=CLOSE_INVALID_ROOM, reason=refusal)

    async def history_since(self, after: int | None) -> ChatHistory:
        messages, missed_earlier = await missed(self.room, after)
        if messages:
            self.replayed_up_to = max(self.replayed_up_to, messages[-1].seq)
        payload = [as_payload(stored, from_attributes=True) for stored in messages]
        return ChatHistory(
            payload=ChatHistoryPayload(messages=payload, missed_earlier=missed_earlier)
        )

    async def handle_group_message(self, event: GroupMessageEvent) -> None:
        seq = event["message"].get("payload", {}).get("seq")
        if seq is None or seq > self.replayed_up_to:  # else: in the replay already
            await super().handle_group_message(event)

    @ws_handler(summary="Check that the connection is alive")
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Ask for the room's messages since a seq (the latest ones if null)",
        description="The same chat_history a join sends, even when it is empty.",
        output_type=ChatHistory,
    )
    async def handle_chat_history_request(
        self, message: ChatHistoryRequest
    ) -> ChatHistory:
        return await self.history_since(message.payload.after)

    @ws_handler(
        summary="Send a message to the room",
        description=(
            "It is stored, then everyone else in the room receives it with its "
            "seq, sent_at and member; the sender does not. A signed-in member's "
            "name is their user name, whatever the payload says; a visitor's "
            "may not be, or look like, any member's."
        ),
        output_type=NewChatMessage,
    )
    async def handle_new_chat_message(self, message: NewChatMessage) -> None:
        user = signed_in_user(self.scope)
        name = message.payload.name
        if user is not None:
            name = user.get_username()[:NAME_MAX_LENGTH]
        elif await is_taken(name):
            await self.send_message(ErrorMessage(payload={"detail": NAME_TAKEN}))
            return
        turn = room_turns.setdefault(self.room, asyncio.Lock())
        async with turn:
            text = message.payload.message
            stored = await store(self.room, name, text, user is not None)
            await self.broadcast_message(
                NewChatMessage(payload=as_payload(stored, from_attributes=True)),
                exclude_current=True,
            )
