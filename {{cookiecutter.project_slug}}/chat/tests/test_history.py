"""History and resync: what a member joining, or coming back, is told."""

from datetime import timedelta
from typing import cast

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


def said(text: str) -> NewChatMessage:
    return NewChatMessage(payload=ChatMessagePayload(message=text, name="ann"))


class HistoryTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/lobby/"

    async def say(self, *texts: str) -> None:
        """Send each text from one member; wait until another has heard it. (The
        first socket a test creates is its ``auth_communicator``.)"""
        speaker, listener = self.create_communicator(), self.create_communicator()
        await speaker.connect()
        await listener.connect()
        for text in texts:
            await speaker.send_message(said(text))
            await listener.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE)
        await speaker.disconnect()
        await listener.disconnect()

    async def history_on_joining(self, query: str = "") -> ChatHistory:
        joining = self.create_communicator(ws_path=f"{self.ws_path}{query}")
        await joining.connect()
        return ChatHistory.model_validate(await joining.receive_json_from())

    async def test_each_broadcast_is_stored_first_with_its_seq_and_time(self) -> None:
        await self.auth_communicator.connect()
        speaker = self.create_communicator()
        await speaker.connect()
        await speaker.send_message(said("one"))
        await speaker.send_message(said("two"))

        heard = await self.auth_communicator.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE
        )
        heard += await self.auth_communicator.receive_all_messages(
            stop_action=GROUP_ACTION_COMPLETE
        )
        payloads = [cast(NewChatMessage, message).payload for message in heard]
        assert [(p.seq, p.message) for p in payloads] == [(1, "one"), (2, "two")]
        stored = await sync_to_async(ChatMessage.objects.get)(room="lobby", seq=2)
        assert (stored.message, stored.sent_at) == ("two", payloads[1].sent_at)

    @override_settings(CHAT_HISTORY_ON_JOIN=2)
    async def test_a_newcomer_gets_the_latest_oldest_first_then_live(self) -> None:
        await self.say("one", "two", "three")

        newcomer, speaker = self.create_communicator(), self.create_communicator()
        await newcomer.connect()
        replay = ChatHistory.model_validate(await newcomer.receive_json_from())
        await speaker.connect()
        await speaker.send_message(said("four"))
        [live] = await newcomer.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE)

        assert [m.message for m in replay.payload.messages] == ["two", "three"]
        assert [m.seq for m in replay.payload.messages] == [2, 3]
        assert not replay.payload.missed_earlier
        assert cast(NewChatMessage, live).payload.seq == 4

    async def test_a_client_back_after_a_drop_gets_exactly_what_it_missed(
        self,
    ) -> None:
        await self.say("one", "two", "three")

        replay = await self.history_on_joining("?after=1")

        assert [m.message for m in replay.payload.messages] == ["two", "three"]
        assert not replay.payload.missed_earlier

    async def test_a_client_that_missed_nothing_is_told_nothing(self) -> None:
        await self.say("one")
        back = self.create_communicator(ws_path=f"{self.ws_path}?after=1")
        await back.connect()

        assert await back.receive_nothing()

    @override_settings(CHAT_HISTORY_PER_ROOM=2)
    async def test_a_client_that_missed_more_than_is_kept_is_told_so(self) -> None:
        await self.say("one", "two", "three", "four")

        replay = await self.history_on_joining("?after=1")

        assert [m.message for m in replay.payload.messages] == ["three", "four"]
        assert replay.payload.missed_earlier
        assert await sync_to_async(ChatMessage.objects.count)() == 2

    @override_settings(CHAT_HISTORY_DAYS=1)
    async def test_messages_past_their_age_are_dropped_and_not_replayed(self) -> None:
        await self.say("one", "two")
        long_ago = timezone.now() - timedelta(days=2)
        await sync_to_async(ChatMessage.objects.update)(sent_at=long_ago)

        replay_of_old = await self.history_on_joining("?after=0")
        await self.say("three")
        replay = await self.history_on_joining()

        assert replay_of_old.payload.messages == []
        assert replay_of_old.payload.missed_earlier
        assert [m.message for m in replay.payload.messages] == ["three"]
        assert await sync_to_async(ChatMessage.objects.count)() == 1

    async def test_history_can_be_asked_for_again(self) -> None:
        await self.say("one", "two")
        member = self.create_communicator()
        await member.connect()
        await member.receive_json_from()  # the join's replay

        await member.send_message(ChatHistoryRequest(payload=HistoryAfter(after=1)))
        [reply] = await member.receive_all_messages()

        messages = cast(ChatHistory, reply).payload.messages
        assert [m.message for m in messages] == ["two"]

    async def test_a_bad_after_is_refused_with_a_reason(self) -> None:
        refused = self.create_communicator(ws_path=f"{self.ws_path}?after=last")
        await refused.connect()

        assert await refused.receive_json_from() == {
            "action": "error",
            "payload": {"detail": INVALID_AFTER},
        }
        await refused.assert_closed(code=CLOSE_INVALID_ROOM)
