"""The assistant socket's streams: per-connection history, concurrency, hanging up.

The tutorial's behaviours are the bake's own assistants/tests/test_assistant_consumer.py."""

import asyncio
from typing import cast
from unittest.mock import Mock, patch

from chanx.channels.testing import DjangoWebsocketCommunicator
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage

from assistants.conversation_consumer import ConversationAssistantConsumer
from assistants.messages import (
    AssistantMessage,
    CompleteStreamingMessage,
    StreamingMessage,
    StreamingPayload,
    StreamingStartMessage,
)
from assistants.tests.streams import StalledStream
from core.tests.checks import SocketChecks
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase


async def ask(
    communicator: DjangoWebsocketCommunicator, question: str
) -> list[BaseMessage]:
    await communicator.send_message(AssistantMessage(payload=question))
    return await communicator.receive_all_messages(timeout=REPLY_TIMEOUT)


def streamed(*tokens: str) -> list[BaseMessage]:
    """The frames of an answer made of ``tokens``."""
    return [
        StreamingStartMessage(),
        *(StreamingMessage(payload=StreamingPayload(content=t)) for t in tokens),
        CompleteStreamingMessage(payload=StreamingPayload(content="".join(tokens))),
    ]


class AssistantStreamsTestCase(SocketTestCase):
    consumer = ConversationAssistantConsumer

    def setUp(self) -> None:
        super().setUp()
        self.ws_path = "/ws/assistants/"

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_each_token_is_a_frame_and_the_last_holds_the_answer(
        self, mock_openai_service: Mock
    ) -> None:
        service = mock_openai_service.return_value
        service.generate_stream.return_value = iter(["Hello", " ", "world"])
        await self.auth_communicator.connect()

        assert await ask(self.auth_communicator, "Test") == streamed(
            "Hello", " ", "world"
        )

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_each_connection_has_its_own_conversation(
        self, mock_openai_service: Mock
    ) -> None:
        service = mock_openai_service.return_value
        service.generate_stream.side_effect = [iter(["One"]), iter(["Two"])]
        await self.auth_communicator.connect()
        other = self.create_communicator()
        await other.connect()

        await ask(self.auth_communicator, "Mine")
        await ask(other, "Theirs")

        assert other is not self.auth_communicator
        assert service.generate_stream.call_args_list[1][0] == ("Theirs", [])

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_history_is_bounded_by_the_setting(
        self, mock_openai_service: Mock
    ) -> None:
        service = mock_openai_service.return_value
        service.generate_stream.side_effect = lambda question, history: iter(
            [f"Answer to {question}"]
        )
        await self.auth_communicator.connect()

        with self.settings(ASSISTANT_HISTORY_LIMIT=4):
            for question in ["one", "two", "three", "four"]:
                await ask(self.auth_communicator, question)

        # The oldest exchange went first; the newest two are kept, in order.
        assert service.generate_stream.call_args_list[3][0][1] == [
            {"role": "user", "content": "two"},
            {"role": "assistant", "content": "Answer to two"},
            {"role": "user", "content": "three"},
            {"role": "assistant", "content": "Answer to three"},
        ]

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_a_slow_stream_does_not_block_other_clients(
        self, mock_openai_service: Mock
    ) -> None:
        """While one answer is stuck waiting for its next token, another
        client's ping is still answered: tokens are pulled off the event loop."""
        stream = StalledStream("Thinking", [" done"])
        mock_openai_service.return_value.generate_stream.return_value = stream
        await self.auth_communicator.connect()
        other = self.create_communicator()
        await other.connect()

        await self.auth_communicator.send_message(AssistantMessage(payload="Slowly"))
        assert await self.receive_frames(2) == ["streaming_start", "streaming"]

        await other.send_message(PingMessage())
        assert await other.receive_all_messages() == [PongMessage()]

        stream.release.set()
        rest = await self.auth_communicator.receive_all_messages()
        assert not stream.gave_up_waiting
        assert rest == streamed("Thinking", " done")[2:]

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_a_question_sent_while_streaming_is_refused(
        self, mock_openai_service: Mock
    ) -> None:
        stream = StalledStream("First", [" answer"])
        service = mock_openai_service.return_value
        service.generate_stream.side_effect = [stream, iter(["Third answer"])]
        await self.auth_communicator.connect()

        await self.auth_communicator.send_message(AssistantMessage(payload="First"))
        assert await self.receive_frames(2) == ["streaming_start", "streaming"]

        # Refused at once, and the first answer goes on undisturbed.
        refusal = await ask(self.auth_communicator, "Second")
        assert len(refusal) == 1
        error = cast(ErrorMessage, refusal[0])
        assert error.action == "error"
        assert error.payload["code"] == "busy"
        assert "previous message" in error.payload["detail"]

        stream.release.set()
        rest = await self.auth_communicator.receive_all_messages()
        assert rest == streamed("First", " answer")[2:]

        # The refused question was never sent on nor remembered.
        assert await ask(self.auth_communicator, "Third") == streamed("Third answer")
        assert service.generate_stream.call_args_list[1][0] == (
            "Third",
            [
                {"role": "user", "content": "First"},
                {"role": "assistant", "content": "First answer"},
            ],
        )

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_leaving_mid_answer_closes_the_stream(
        self, mock_openai_service: Mock
    ) -> None:
        stream = StalledStream("Partial", [" never", " sent"])
        mock_openai_service.return_value.generate_stream.return_value = stream
        await self.auth_communicator.connect()

        await self.auth_communicator.send_message(AssistantMessage(payload="Bye"))
        assert await self.receive_frames(2) == ["streaming_start", "streaming"]
        await self.auth_communicator.disconnect()
        stream.release.set()

        for _ in range(100):
            if stream.closed_early:
                break
            await asyncio.sleep(0.01)
        assert stream.closed_early

    async def receive_frames(self, count: int) -> list[str]:
        """The actions of the next ``count`` frames, without waiting for more."""
        return [
            (await self.auth_communicator.receive_json_from())["action"]
            for _ in range(count)
        ]


class ConversationAssistantConsumerBadInputTestCase(SocketChecks, SocketTestCase):
    """Bad frames get chanx's error message and the socket stays usable."""

    consumer = ConversationAssistantConsumer
    ws_path = "/ws/assistants/"

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_invalid_payloads_get_an_error_frame(
        self, mock_openai_service: Mock
    ) -> None:
        await self.auth_communicator.connect()

        for payload in [42, "", None, "x" * 4001]:
            await self.auth_communicator.send_json_to(
                {"action": "assistant_message", "payload": payload}
            )
            messages = await self.auth_communicator.receive_all_messages(
                stop_action="error"
            )
            assert [message.action for message in messages] == ["error"], payload
            await self.auth_communicator.receive_all_messages()  # its completion

        mock_openai_service.return_value.generate_stream.assert_not_called()
        await self.assert_still_answers_ping()
