"""Provider streams have threads of their own, bounded, apart from the loop's.

A stalled provider holds only those: the loop's default threads (which the
question quota's counting uses) and job publishing's own stay free.
"""

import asyncio
from unittest.mock import Mock, patch

from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from django.test import override_settings

from assistants.conversation_consumer import ConversationAssistantConsumer
from assistants.messages import AssistantMessage
from assistants.services.ai_service import provider_threads
from assistants.tests.streams import StalledStream
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase


class ProviderThreadsTestCase(SocketTestCase):
    consumer = ConversationAssistantConsumer
    ws_path = "/ws/assistants/"

    def tearDown(self) -> None:
        # The next test gets a pool of the configured size again.
        provider_threads.cache_clear()
        super().tearDown()

    async def receive_actions(self, count: int) -> list[str]:
        return [
            (await self.auth_communicator.receive_json_from(REPLY_TIMEOUT))["action"]
            for _ in range(count)
        ]

    @override_settings(ASSISTANTS_PROVIDER_THREADS=1)
    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_a_stalled_provider_holds_only_its_own_threads(
        self, mock_openai_service: Mock
    ) -> None:
        provider_threads.cache_clear()
        stream = StalledStream("Thinking", [" done"], patience=10)
        mock_openai_service.return_value.generate_stream.side_effect = [
            stream,
            iter(["Second"]),
        ]
        await self.auth_communicator.connect()
        other = self.create_communicator()
        await other.connect()

        await self.auth_communicator.send_message(AssistantMessage(payload="Slowly"))
        assert await self.receive_actions(2) == ["streaming_start", "streaming"]

        # The pool's one thread waits on the provider; nothing else does.
        assert provider_threads()._max_workers == 1
        loop = asyncio.get_running_loop()
        free = loop.run_in_executor(None, lambda: "free")
        assert await asyncio.wait_for(free, timeout=1) == "free"
        await other.send_message(PingMessage())
        assert await other.receive_all_messages() == [PongMessage()]
        # Bounded: another question waits for the one thread.
        await other.send_message(AssistantMessage(payload="Quickly"))
        assert await other.receive_nothing(timeout=0.5)

        stream.release.set()
        assert await self.receive_actions(2) == ["streaming", "complete_streaming"]
        assert not stream.gave_up_waiting
        second = await other.receive_all_messages(timeout=REPLY_TIMEOUT)
        assert [frame.action for frame in second] == [
            "streaming_start",
            "streaming",
            "complete_streaming",
        ]
