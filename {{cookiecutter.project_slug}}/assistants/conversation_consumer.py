"""The assistant socket: one conversation per connection, answered as a stream.

A model takes seconds to write an answer; streaming it token by token lets
the reader start at once instead of staring at nothing until the end.
"""

import logging
from contextlib import aclosing
from typing import Any

from chanx.core.decorators import channel, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.conf import settings
from limits import RateLimitItemPerDay, RateLimitItemPerMinute
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from assistants.messages import (
    AssistantMessage,
    CompleteStreamingMessage,
    StreamingMessage,
    StreamingPayload,
    StreamingStartMessage,
)
from assistants.services.ai_service import (
    ConversationMessage,
    NotConfigured,
    OpenAIService,
    describe_failure,
    in_provider_thread,
    remembered,
    tokens_of,
)
from core.authentication import SessionAuthenticator
from core.consumers import RealtimeConsumer
from core.limits import count
from core.outage import NO_CHANNEL_LAYER

logger = logging.getLogger(__name__)


class SignedInWhenRequired(BasePermission):
    """Everyone may ask unless ``ASSISTANTS_REQUIRE_LOGIN`` is on."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return not settings.ASSISTANTS_REQUIRE_LOGIN or bool(
            user and user.is_authenticated
        )


class AssistantsAuthenticator(SessionAuthenticator):
    permission_classes = (SignedInWhenRequired,)


@channel(
    name="assistants",
    description=(
        "Ask an AI assistant; it streams its answer token by token and "
        "remembers the conversation for as long as the socket is open."
    ),
    tags=["assistants"],
)
class ConversationAssistantConsumer(RealtimeConsumer):
    """One conversation with the assistant, for the life of the connection.

    One question at a time: one sent while an answer streams is refused
    (``busy``), one over the asker's quota (per user, else per address, over
    all their sockets) with ``rate_limited``; neither reaches the provider. A
    failed answer sends an ``error`` frame and is forgotten with its question,
    so the history stays a clean series of question/answer pairs.
    """

    authenticator_class = AssistantsAuthenticator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # It talks to nobody but its client: with no layer it stays up when Redis is down.
        self.channel_layer_alias = NO_CHANNEL_LAYER
        self.history: list[ConversationMessage] = []
        self.service: OpenAIService | None = None
        self.answering = self.disconnected = False

    async def websocket_disconnect(self, message: Any) -> None:
        self.disconnected = True  # a stream still running stops pulling tokens
        await super().websocket_disconnect(message)

    @ws_handler(summary="Check that the connection is alive")
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Ask the assistant",
        description=(
            "Answered with streaming_start, one streaming frame per token, then "
            "complete_streaming holding the whole answer. Failures, questions "
            "sent while an answer is streaming and questions over the asker's "
            "quota (code rate_limited, with retry_after in seconds) get an "
            "error frame instead."
        ),
        output_type=(
            StreamingStartMessage
            | StreamingMessage
            | CompleteStreamingMessage
            | ErrorMessage
        ),
    )
    async def handle_assistant_message(self, message: AssistantMessage) -> None:
        if self.answering:
            await self.send_error(
                "busy",
                "Still answering your previous message. Send this one once it is complete.",
            )
            return
        self.answering = True
        try:
            if await self.within_quota():
                self.let_next_frame_in()  # pings (and busy refusals) meanwhile
                await self.answer(message.payload)
        finally:
            self.answering = False

    async def within_quota(self) -> bool:
        """Count the question; none goes uncounted, so none is asked while counts are out of reach."""
        limits = [
            RateLimitItemPerMinute(settings.ASSISTANTS_QUESTIONS_PER_MINUTE),
            RateLimitItemPerDay(settings.ASSISTANTS_QUESTIONS_PER_DAY),
        ]
        try:
            refusal = await count("questions", self.client, limits)
        except Exception as error:
            logger.warning("Could not count a question: %r", error)
            await self.send_error(
                "unavailable",
                "The assistant cannot take questions right now. Try again shortly.",
            )
            return False
        if refusal is not None:
            await self.send_rate_limited(
                "You have asked as many questions as allowed", refusal
            )
        return refusal is None

    async def answer(self, question: str) -> None:
        try:
            if self.service is None:  # built off the loop: it reads certificates
                self.service = await in_provider_thread(OpenAIService)()
        except NotConfigured:
            logger.warning("The assistant cannot answer: OPENAI_API_KEY is not set.")
            await self.send_error(
                "not_configured", "The assistant is not set up on this server yet."
            )
            return
        await self.send_message(StreamingStartMessage())
        pieces: list[str] = []
        try:
            async with aclosing(
                tokens_of(self.service, question, self.history)
            ) as tokens:
                async for token in tokens:
                    if self.disconnected:
                        return
                    pieces.append(token)
                    await self.send_message(
                        StreamingMessage(payload=StreamingPayload(content=token))
                    )
        except Exception as error:
            await self.send_error(*describe_failure(error))
            return
        text = "".join(pieces)
        self.history = remembered(self.history, question, text)
        await self.send_message(
            CompleteStreamingMessage(payload=StreamingPayload(content=text))
        )

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_message(ErrorMessage(payload={"code": code, "detail": detail}))
