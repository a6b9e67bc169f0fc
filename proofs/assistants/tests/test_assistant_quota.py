"""What one user may spend: sign-in when required, questions per minute and
per day across all their sockets, and a bounded cost per question."""

from typing import Any, cast
from unittest.mock import Mock, patch

from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from chanx.channels.testing import DjangoWebsocketCommunicator
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import AuthenticationMessage, ErrorMessage
from django.test import override_settings

from assistants.conversation_consumer import ConversationAssistantConsumer
from assistants.messages import AssistantMessage
from assistants.tests.fake_openai import FakeOpenAI, chunk
from core.tests.sessions import signed_in_headers
from core.tests.sockets import SocketTestCase, fresh_counts
from core.tests.tokens import token_from_command, token_header


def refusal(messages: list[BaseMessage]) -> dict[str, Any]:
    """The payload of the one error frame of a refused question."""
    assert len(messages) == 1, messages
    assert messages[0].action == "error"
    return cast(dict[str, Any], cast(ErrorMessage, messages[0]).payload)


class QuestionQuotaTestCase(SocketTestCase):
    consumer = ConversationAssistantConsumer
    ws_path = "/ws/assistants/"

    # The consumer behind the session middleware, as config.asgi mounts it.
    router = AuthMiddlewareStack(ConversationAssistantConsumer.as_asgi())

    def setUp(self) -> None:
        super().setUp()
        self.enterContext(
            fresh_counts(
                ASSISTANTS_QUESTIONS_PER_MINUTE=2, ASSISTANTS_QUESTIONS_PER_DAY=100
            )
        )
        service = self.enterContext(
            patch("assistants.conversation_consumer.OpenAIService")
        )
        self.generate_stream = cast(Mock, service.return_value.generate_stream)
        self.generate_stream.side_effect = lambda *_: iter(["Fine"])

    async def connected(
        self,
        headers: list[tuple[bytes, bytes]] | None = None,
        address: str | None = None,
    ) -> DjangoWebsocketCommunicator:
        communicator = self.create_communicator(headers=headers or [])
        if address is not None:
            # What the server puts in the scope: the client's address.
            communicator.scope["client"] = (address, 50000)
        connected, _ = await communicator.connect()
        assert connected
        return communicator

    async def ask(
        self, communicator: DjangoWebsocketCommunicator, question: str = "Hi"
    ) -> list[BaseMessage]:
        await communicator.send_message(AssistantMessage(payload=question))
        return await communicator.receive_all_messages()

    async def test_a_user_is_counted_across_all_their_sockets(self) -> None:
        ada = await signed_in_headers("ada")
        first = await self.connected(ada, address="203.0.113.1")
        second = await self.connected(ada, address="198.51.100.2")

        assert (await self.ask(first))[-1].action == "complete_streaming"
        assert (await self.ask(second))[-1].action == "complete_streaming"
        refused = refusal(await self.ask(second))

        assert refused["code"] == "rate_limited"
        assert 1 <= refused["retry_after"] <= 60
        assert f"{refused['retry_after']} second" in refused["detail"]
        assert "2 per minute" in refused["detail"]
        assert self.generate_stream.call_count == 2

    async def test_a_user_by_session_and_by_token_has_one_quota(self) -> None:
        browser = await self.connected(await signed_in_headers("ada"), "203.0.113.1")
        key = await sync_to_async(token_from_command)("ada")
        program = await self.connected([token_header(key)], "198.51.100.2")

        assert (await self.ask(browser))[-1].action == "complete_streaming"
        assert (await self.ask(program))[-1].action == "complete_streaming"

        assert refusal(await self.ask(program))["code"] == "rate_limited"

    async def test_another_user_has_a_quota_of_their_own(self) -> None:
        ada = await self.connected(await signed_in_headers("ada"), "203.0.113.1")
        grace = await self.connected(await signed_in_headers("grace"), "203.0.113.1")

        for _ in range(2):
            await self.ask(ada)
        assert refusal(await self.ask(ada))["code"] == "rate_limited"

        assert (await self.ask(grace))[-1].action == "complete_streaming"

    async def test_visitors_are_counted_per_client_address(self) -> None:
        first = await self.connected(address="203.0.113.7")
        same_address = await self.connected(address="203.0.113.7")
        elsewhere = await self.connected(address="198.51.100.9")

        await self.ask(first)
        await self.ask(same_address)
        assert refusal(await self.ask(first))["code"] == "rate_limited"
        assert refusal(await self.ask(same_address))["code"] == "rate_limited"

        assert (await self.ask(elsewhere))[-1].action == "complete_streaming"
        assert self.generate_stream.call_count == 3

    async def test_the_day_limit_refuses_until_midnight(self) -> None:
        with override_settings(
            ASSISTANTS_QUESTIONS_PER_MINUTE=100, ASSISTANTS_QUESTIONS_PER_DAY=1
        ):
            communicator = await self.connected(address="203.0.113.7")
            await self.ask(communicator)
            refused = refusal(await self.ask(communicator))

        assert "1 per day" in refused["detail"]
        assert 1 <= refused["retry_after"] <= 86400
        assert self.generate_stream.call_count == 1

    async def test_no_question_goes_uncounted_while_counts_are_unreadable(
        self,
    ) -> None:
        communicator = await self.connected(address="203.0.113.7")

        with patch(
            "assistants.conversation_consumer.count",
            side_effect=ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        ):
            refused = refusal(await self.ask(communicator))

        assert refused["code"] == "unavailable"
        assert "6379" not in refused["detail"]
        self.generate_stream.assert_not_called()
        assert (await self.ask(communicator))[-1].action == "complete_streaming"

    async def test_a_refused_question_is_not_remembered(self) -> None:
        communicator = await self.connected(address="203.0.113.7")
        await self.ask(communicator, "First")
        await self.ask(communicator, "Second")
        await self.ask(communicator, "Refused")

        # The refusal was the minute's third question: allow a fourth.
        with override_settings(ASSISTANTS_QUESTIONS_PER_MINUTE=4):
            await self.ask(communicator, "Fourth")

        assert self.generate_stream.call_count == 3
        history = self.generate_stream.call_args_list[-1][0][1]
        assert [turn["content"] for turn in history] == [
            "First",
            "Fine",
            "Second",
            "Fine",
        ]


class SignInRequiredTestCase(SocketTestCase):
    consumer = ConversationAssistantConsumer
    ws_path = "/ws/assistants/"

    def setUp(self) -> None:
        super().setUp()
        self.enterContext(override_settings(ASSISTANTS_REQUIRE_LOGIN=True))

    async def test_a_visitor_is_told_to_sign_in_and_closed_with_4401(self) -> None:
        communicator = self.create_communicator(headers=[])
        await communicator.connect()

        frame = AuthenticationMessage.model_validate(
            await communicator.receive_json_from()
        )

        assert frame.payload.status_code == 401
        await communicator.assert_closed(code=4401)

    @patch("assistants.conversation_consumer.OpenAIService")
    async def test_a_signed_in_user_asks(self, service: Mock) -> None:
        service.return_value.generate_stream.return_value = iter(["Hello"])
        communicator = self.create_communicator(headers=await signed_in_headers("ada"))
        connected, _ = await communicator.connect()
        assert connected

        await communicator.send_message(AssistantMessage(payload="Hi"))
        messages = await communicator.receive_all_messages()

        assert [message.action for message in messages] == [
            "streaming_start",
            "streaming",
            "complete_streaming",
        ]


class CostPerQuestionTestCase(SocketTestCase):
    """What reaches the provider, seen in the requests of a fake one."""

    consumer = ConversationAssistantConsumer
    ws_path = "/ws/assistants/"

    def setUp(self) -> None:
        super().setUp()
        self.provider = self.enterContext(FakeOpenAI(events=[chunk("x" * 300)]))
        self.enterContext(
            override_settings(
                OPENAI_API_KEY="test-key",
                OPENAI_BASE_URL=self.provider.base_url,
                ASSISTANTS_MAX_ANSWER_TOKENS=123,
                ASSISTANTS_HISTORY_MAX_CHARS=1000,
            )
        )

    async def test_the_answer_length_is_capped(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.send_message(AssistantMessage(payload="Hi"))
        await self.auth_communicator.receive_all_messages()

        [request] = self.provider.requests
        assert request.body["max_completion_tokens"] == 123

    async def test_the_history_sent_is_capped_in_characters(self) -> None:
        await self.auth_communicator.connect()
        for number in range(4):
            await self.auth_communicator.send_message(
                AssistantMessage(payload=f"{number}" * 200)
            )
            await self.auth_communicator.receive_all_messages()

        sent = [request.body["messages"] for request in self.provider.requests]
        # Each exchange is 500 characters: only the last two fit in 1000.
        assert [len(messages) for messages in sent] == [1, 3, 5, 5]
        assert [turn["content"][0] for turn in sent[-1]] == ["1", "x", "2", "x", "3"]
        assert all(
            sum(len(turn["content"]) for turn in messages[:-1]) <= 1000
            for messages in sent
        )
