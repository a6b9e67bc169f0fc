"""Tests for ConversationAssistantConsumer WebSocket functionality."""

from typing import Any, cast
from unittest.mock import Mock, patch

from chanx.channels.testing import WebsocketTestCase
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

from assistants.conversation_consumer import ConversationAssistantConsumer
from assistants.messages import (
    AssistantMessage,
    CompleteStreamingMessage,
    StreamingMessage,
    StreamingStartMessage,
)
from core.tests.sockets import SocketTestCase, fresh_counts


class TestConversationAssistantConsumer(WebsocketTestCase):
    """Unit tests for ConversationAssistantConsumer - focuses on AI streaming functionality."""

    consumer = ConversationAssistantConsumer

    def setUp(self) -> None:
        super().setUp()
        self.ws_path = "/ws/assistants/"

    async def test_connect_and_ping(self) -> None:
        """Test basic connection and ping/pong functionality."""
        await self.auth_communicator.connect()
        await self.auth_communicator.send_message(PingMessage())

        messages = await self.auth_communicator.receive_all_messages()
        assert messages == [PongMessage()]

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_assistant_message_streaming_flow(
        self, mock_openai_service: Mock
    ) -> None:
        """Test complete AI streaming flow: start → chunks → complete."""
        # Mock AI service to return streaming tokens
        mock_service = Mock()
        mock_service.generate_stream.return_value = iter(["Hello", " ", "world"])
        mock_openai_service.return_value = mock_service

        await self.auth_communicator.connect()

        # Send user message
        await self.auth_communicator.send_message(
            AssistantMessage(payload="Test message")
        )

        # Receive all streaming messages
        messages = await self.auth_communicator.receive_all_messages()

        # Verify message sequence: start → streaming chunks → complete
        assert len(messages) >= 3
        assert cast(StreamingStartMessage, messages[0]).action == "streaming_start"
        assert (
            cast(CompleteStreamingMessage, messages[-1]).action == "complete_streaming"
        )

        # Verify streaming chunks
        streaming_chunks = messages[1:-1]
        for chunk in streaming_chunks:
            assert cast(StreamingMessage, chunk).action == "streaming"

        # Verify service was called with user message
        mock_service.generate_stream.assert_called_once()
        call_args = mock_service.generate_stream.call_args
        assert call_args[0][0] == "Test message"
        assert call_args[0][1] == []  # Empty history on first message

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_conversation_history_maintained(
        self, mock_openai_service: Mock
    ) -> None:
        """Test that conversation history is maintained across messages."""
        mock_service = Mock()
        mock_service.generate_stream.side_effect = [
            iter(["First", " response"]),
            iter(["Second", " response"]),
        ]
        mock_openai_service.return_value = mock_service

        await self.auth_communicator.connect()

        # First message
        await self.auth_communicator.send_message(
            AssistantMessage(payload="First question")
        )
        await self.auth_communicator.receive_all_messages()

        # Second message
        await self.auth_communicator.send_message(
            AssistantMessage(payload="Second question")
        )
        await self.auth_communicator.receive_all_messages()

        # Verify history was maintained
        assert mock_service.generate_stream.call_count == 2
        second_call_history = mock_service.generate_stream.call_args_list[1][0][1]

        assert len(second_call_history) == 2
        assert second_call_history[0] == {"role": "user", "content": "First question"}
        assert second_call_history[1] == {
            "role": "assistant",
            "content": "First response",
        }


class AssistantAdditionsTestCase(SocketTestCase):
    """What this project adds: a clear error without a key, and a quota per asker."""

    consumer = ConversationAssistantConsumer
    ws_path = "/ws/assistants/"

    async def ask(self) -> list[Any]:
        await self.auth_communicator.send_message(AssistantMessage(payload="Hi"))
        return await self.auth_communicator.receive_all_messages()

    async def test_without_an_api_key_the_client_is_told(self) -> None:
        await self.auth_communicator.connect()

        [error] = await self.ask()

        assert error.payload["code"] == "not_configured"
        await self.assert_still_answers_ping()

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_questions_over_the_quota_are_refused(self, service: Mock) -> None:
        service.return_value.generate_stream.side_effect = lambda *_: iter(["Fine"])
        with fresh_counts(ASSISTANTS_QUESTIONS_PER_MINUTE=1):
            await self.auth_communicator.connect()
            assert (await self.ask())[-1].action == "complete_streaming"
            [refusal] = await self.ask()

        assert refusal.payload["code"] == "rate_limited"
        assert "1 per minute" in refusal.payload["detail"]
        assert service.return_value.generate_stream.call_count == 1
