"""When the assistant cannot answer, or the client sends nonsense, the client
is told in one clear error frame and the socket stays open and consistent."""

import socket
from typing import Any, cast
from unittest.mock import Mock, patch

from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage

from assistants.conversation_consumer import ConversationAssistantConsumer
from assistants.messages import (
    AssistantMessage,
    StreamingMessage,
    StreamingPayload,
    StreamingStartMessage,
)
from assistants.tests.fake_openai import FakeOpenAI, chunk
from assistants.tests.sockets import SocketTestCase
from assistants.tests.streams import failing_stream


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def error_of(message: BaseMessage) -> dict[str, Any]:
    """The payload of an error frame our consumer sent, checked for leaks."""
    assert message.action == "error"
    payload = cast(dict[str, Any], cast(ErrorMessage, message).payload)
    assert set(payload) == {"code", "detail"}
    assert "Traceback" not in payload["detail"]
    return payload


class TestAssistantFailures(SocketTestCase):
    consumer = ConversationAssistantConsumer

    def setUp(self) -> None:
        super().setUp()
        self.ws_path = "/ws/assistants/"

    async def ask(self, question: str) -> list[BaseMessage]:
        await self.auth_communicator.send_message(AssistantMessage(payload=question))
        return await self.auth_communicator.receive_all_messages()

    async def assert_still_open(self) -> None:
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_messages() == [PongMessage()]

    async def test_no_api_key(self) -> None:
        # The test settings leave OPENAI_API_KEY empty.
        await self.auth_communicator.connect()

        [message] = await self.ask("Hello?")

        error = error_of(message)
        assert error["code"] == "not_configured"
        # The setting's name is for the server's log, not for clients.
        assert "OPENAI_API_KEY" not in error["detail"]
        await self.assert_still_open()

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
        await self.assert_still_open()

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
        base_url = f"http://127.0.0.1:{unused_port()}/v1"
        with self.settings(OPENAI_API_KEY="test-key", OPENAI_BASE_URL=base_url):
            await self.auth_communicator.connect()
            messages = await self.ask("Anyone there?")

        assert messages[0] == StreamingStartMessage()
        error = error_of(messages[1])
        assert error["code"] == "unavailable"
        assert "reach" in error["detail"]
        await self.assert_still_open()

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

    async def test_malformed_json_gets_an_error_frame(self) -> None:
        await self.auth_communicator.connect()

        await self.auth_communicator.send_to(text_data='{"action": "assistant_')
        messages = await self.auth_communicator.receive_all_messages(
            stop_action="error"
        )

        assert [message.action for message in messages] == ["error"]
        await self.assert_still_open()

    async def test_unknown_action_gets_an_error_frame(self) -> None:
        await self.auth_communicator.connect()

        await self.auth_communicator.send_json_to({"action": "dance", "payload": None})
        messages = await self.auth_communicator.receive_all_messages(
            stop_action="error"
        )

        assert [message.action for message in messages] == ["error"]
        await self.auth_communicator.receive_all_messages()  # its completion frame
        await self.assert_still_open()

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
        await self.assert_still_open()
