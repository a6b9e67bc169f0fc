"""History and resync: what a member joining, or coming back, is told."""

from datetime import timedelta
from typing import cast
from unittest.mock import patch

from asgiref.sync import sync_to_async
from chanx.constants import GROUP_ACTION_COMPLETE
from django.test import override_settings
from django.utils import timezone

from chat.consumers.chat_consumer import CLOSE_INVALID_ROOM, INVALID_AFTER, ChatConsumer
from chat.messages import (
    ChatHistory,
    ChatHistoryRequest,
    ChatMessagePayload,
    HistoryAfter,
    NewChatMessage,
)
from chat.models import ChatMessage
from core.tests.sockets import SocketTestCase


class HistoryTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/lobby/"

    async def say(self, *texts: str) -> list[ChatMessagePayload]:
        """Send each text from one member; what another heard, in order."""
        speaker, listener = self.create_communicator(), self.create_communicator()
        await speaker.connect()
        await listener.connect()
        heard = []
        for text in texts:
            payload = ChatMessagePayload(message=text, name="ann")
            await speaker.send_message(NewChatMessage(payload=payload))
            *_replay, message = await listener.receive_all_messages(
                stop_action=GROUP_ACTION_COMPLETE
            )
            heard.append(cast(NewChatMessage, message).payload)
        return heard

    async def replay(self, query: str = "") -> list[str]:
        joining = self.create_communicator(ws_path=f"{self.ws_path}{query}")
        await joining.connect()
        history = ChatHistory.model_validate(await joining.receive_json_from())
        missed = ["(missed)"] if history.payload.missed_earlier else []
        return missed + [message.message for message in history.payload.messages]

    async def test_each_broadcast_is_stored_first_with_its_seq_and_time(self) -> None:
        heard = await self.say("one", "two")

        assert [(p.seq, p.message) for p in heard] == [(1, "one"), (2, "two")]
        stored = await sync_to_async(ChatMessage.objects.get)(room="lobby", seq=2)
        assert (stored.message, stored.sent_at) == ("two", heard[1].sent_at)

    @override_settings(CHAT_HISTORY_ON_JOIN=2)
    async def test_a_newcomer_gets_the_latest_oldest_first_then_live(self) -> None:
        await self.say("one", "two", "three")
        assert await self.replay() == ["two", "three"]
        assert [p.seq for p in await self.say("four")] == [4]

    async def test_one_back_after_a_drop_gets_exactly_what_it_missed(self) -> None:
        await self.say("one", "two", "three")
        assert await self.replay("?after=1") == ["two", "three"]
        back = self.create_communicator(ws_path=f"{self.ws_path}?after=3")
        await back.connect()
        assert await back.receive_nothing()
        await back.send_message(ChatHistoryRequest(payload=HistoryAfter(after=1)))
        [again] = await back.receive_all_messages()  # asked: sent even if empty
        messages = cast(ChatHistory, again).payload.messages
        assert [m.message for m in messages] == ["two", "three"]

    @override_settings(CHAT_HISTORY_PER_ROOM=2)
    @patch("chat.history.PRUNE_EVERY", 1)
    async def test_one_that_missed_more_than_is_kept_is_told_so(self) -> None:
        await self.say("one", "two", "three", "four")
        assert await self.replay("?after=1") == ["(missed)", "three", "four"]
        assert await sync_to_async(ChatMessage.objects.count)() == 2

    @override_settings(CHAT_HISTORY_DAYS=1)
    @patch("chat.history.PRUNE_EVERY", 1)
    async def test_messages_past_their_age_are_dropped_and_not_replayed(self) -> None:
        await self.say("one", "two")
        long_ago = timezone.now() - timedelta(days=2)
        await sync_to_async(ChatMessage.objects.update)(sent_at=long_ago)
        assert await self.replay("?after=0") == ["(missed)"]
        await self.say("three")
        assert await self.replay() == ["three"]
        assert await sync_to_async(ChatMessage.objects.count)() == 1

    async def test_a_bad_after_is_refused_with_a_reason(self) -> None:
        refused = self.create_communicator(ws_path=f"{self.ws_path}?after=last")
        await refused.connect()
        error = await refused.receive_json_from()
        assert error == {"action": "error", "payload": {"detail": INVALID_AFTER}}
        await refused.assert_closed(code=CLOSE_INVALID_ROOM)
