"""When the assistant cannot answer, the client is told in one clear error
frame and the socket stays open and consistent."""

from typing import Any, cast
from unittest.mock import Mock, patch

from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import ErrorMessage

from assistants.conversation_consumer import ConversationAssistantConsumer
from assistants.messages import (
    AssistantMessage,
    StreamingMessage,
    StreamingPayload,
    StreamingStartMessage,
)
from assistants.tests.fake_openai import FakeOpenAI, chunk
from assistants.tests.streams import failing_stream
from core.tests.processes import free_port
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase


def error_of(message: BaseMessage) -> dict[str, Any]:
    """The payload of an error frame our consumer sent, checked for leaks."""
    assert message.action == "error"
    payload = cast(dict[str, Any], cast(ErrorMessage, message).payload)
    assert set(payload) == {"code", "detail"}
    assert "Traceback" not in payload["detail"]
    return payload


class AssistantFailuresTestCase(SocketTestCase):
    """Each way an answer can fail, from a missing key to a broken stream."""

    consumer = ConversationAssistantConsumer

    def setUp(self) -> None:
        super().setUp()
        self.ws_path = "/ws/assistants/"

    async def ask(self, question: str) -> list[BaseMessage]:
        await self.auth_communicator.send_message(AssistantMessage(payload=question))
        return await self.auth_communicator.receive_all_messages(timeout=REPLY_TIMEOUT)

    async def test_no_api_key(self) -> None:
        # The test settings leave OPENAI_API_KEY empty.
        await self.auth_communicator.connect()

        [message] = await self.ask("Hello?")

        error = error_of(message)
        assert error["code"] == "not_configured"
        # The setting's name is for the server's log, not for clients.
        assert "OPENAI_API_KEY" not in error["detail"]
        await self.assert_still_answers_ping()

    async def test_provider_refuses_the_request(self) -> None:
        with (
            FakeOpenAI(status=401) as server,
            self.settings(OPENAI_API_KEY="wrong-key", OPENAI_BASE_URL=server.base_url),
        ):
            await self.auth_communicator.connect()
            messages = await self.ask("Hello?")

        assert messages[0] == StreamingStartMessage()
        error = error_of(messages[1])
        assert len(messages) == 2
        assert error["code"] == "provider_error"
        assert "HTTP 401" in error["detail"]
        assert "wrong-key" not in error["detail"]
        await self.assert_still_answers_ping()

    async def test_provider_error_mid_stream_keeps_history_consistent(self) -> None:
        overloaded = {"error": {"message": "The model is overloaded", "type": "x"}}
        with (
            FakeOpenAI(events=[chunk("Partial"), overloaded]) as server,
            self.settings(OPENAI_API_KEY="test-key", OPENAI_BASE_URL=server.base_url),
        ):
            await self.auth_communicator.connect()
            failed = await self.ask("First")
            server.events = [chunk("Fine")]
            await self.ask("Second")

        assert failed[:2] == [
            StreamingStartMessage(),
            StreamingMessage(payload=StreamingPayload(content="Partial")),
        ]
        assert error_of(failed[2])["code"] == "provider_error"
        assert len(failed) == 3
        # Neither the failed question nor its partial answer was remembered.
        assert server.requests[1].body["messages"] == [
            {"role": "user", "content": "Second"}
        ]

    async def test_provider_unreachable(self) -> None:
        base_url = f"http://127.0.0.1:{free_port()}/v1"
        with self.settings(OPENAI_API_KEY="test-key", OPENAI_BASE_URL=base_url):
            await self.auth_communicator.connect()
            messages = await self.ask("Anyone there?")

        assert messages[0] == StreamingStartMessage()
        error = error_of(messages[1])
        assert error["code"] == "unavailable"
        assert "reach" in error["detail"]
        await self.assert_still_answers_ping()

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_unexpected_failure_mid_stream(
        self, mock_openai_service: Mock
    ) -> None:
        service = mock_openai_service.return_value
        service.generate_stream.side_effect = [
            iter(["Kept"]),
            failing_stream("Lost", error=RuntimeError("internal detail")),
            iter(["Fine"]),
        ]
        await self.auth_communicator.connect()

        await self.ask("First")
        failed = await self.ask("Second")
        await self.ask("Third")

        error = error_of(failed[-1])
        assert error["code"] == "failed"
        assert "internal detail" not in error["detail"]
        assert service.generate_stream.call_args_list[2][0][1] == [
            {"role": "user", "content": "First"},
            {"role": "assistant", "content": "Kept"},
        ]
