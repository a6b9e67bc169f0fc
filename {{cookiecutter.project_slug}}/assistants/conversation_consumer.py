"""The assistant socket: one conversation per connection, answered as a stream.

A model takes seconds to write an answer; streaming it token by token lets
the reader start at once instead of staring at nothing until the end.
"""

import logging
from collections.abc import Iterator
from typing import Any

from asgiref.sync import sync_to_async
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.conf import settings
from openai import APIConnectionError, APIStatusError, APITimeoutError, OpenAIError

from assistants.messages import (
    AssistantMessage,
    CompleteStreamingMessage,
    StreamingMessage,
    StreamingPayload,
    StreamingStartMessage,
)
from assistants.services.ai_service import ConversationMessage, OpenAIService

logger = logging.getLogger(__name__)

# Hints for the provider's refusals that a server admin can fix.
STATUS_HINTS = {
    401: "check OPENAI_API_KEY",
    403: "check OPENAI_API_KEY",
    404: "check OPENAI_MODEL and OPENAI_BASE_URL",
    429: "rate limited, try again shortly",
}


def next_token(tokens: Iterator[str]) -> str | None:
    """``next`` that returns None at the end: StopIteration cannot cross threads."""
    return next(tokens, None)


# Each token is awaited in a thread from the loop's pool: a slow provider (or
# a blocking fake) never stalls the event loop that serves every other socket.
pull_token = sync_to_async(next_token, thread_sensitive=False)


def describe_failure(error: Exception) -> tuple[str, str]:
    """A code and one sentence for the client; the details stay in the log."""
    if isinstance(error, APITimeoutError):
        return "unavailable", "The AI provider did not answer in time. Try again."
    if isinstance(error, APIConnectionError):
        return "unavailable", "Could not reach the AI provider. Try again."
    if isinstance(error, APIStatusError):
        hint = STATUS_HINTS.get(error.status_code, "try again")
        return (
            "provider_error",
            f"The AI provider refused the request (HTTP {error.status_code}): {hint}.",
        )
    if isinstance(error, OpenAIError):
        return "provider_error", "The AI provider failed while answering. Try again."
    return "failed", "The assistant failed to answer. Try again."


@channel(
    name="assistants",
    description=(
        "Ask an AI assistant; it streams its answer token by token and "
        "remembers the conversation for as long as the socket is open."
    ),
    tags=["assistants"],
)
class ConversationAssistantConsumer(AsyncJsonWebsocketConsumer):
    """One conversation with the assistant, for the life of the connection.

    Answers one question at a time. A question sent while an answer is still
    streaming is refused with an ``error`` frame (code ``busy``). A failed
    answer sends an ``error`` frame and is forgotten together with its
    question, so the history stays a clean series of question/answer pairs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history: list[ConversationMessage] = []
        self.service: OpenAIService | None = None
        self.answering = False
        self.disconnected = False

    async def websocket_disconnect(self, message: Any) -> None:
        # A stream still running sees this and stops pulling tokens.
        self.disconnected = True
        await super().websocket_disconnect(message)

    @ws_handler(summary="Check that the connection is alive")
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Ask the assistant",
        description=(
            "Answered with streaming_start, one streaming frame per token, then "
            "complete_streaming holding the whole answer. Failures and questions "
            "sent while an answer is streaming get an error frame instead."
        ),
        output_type=(
            StreamingStartMessage
            | StreamingMessage
            | CompleteStreamingMessage
            | ErrorMessage
        ),
    )
    async def handle_assistant_message(self, message: AssistantMessage) -> None:
        # Checked and set before the first await: frames are handled in
        # concurrent tasks, and this keeps two answers from interleaving.
        if self.answering:
            await self.send_error(
                "busy",
                "Still answering your previous message. Send this one once it is complete.",
            )
            return
        self.answering = True
        try:
            await self.answer(message.payload)
        finally:
            self.answering = False

    async def answer(self, question: str) -> None:
        history = list(self.history)
        try:
            service = await self.get_service()
        except OpenAIError:
            logger.warning("The assistant cannot answer: OPENAI_API_KEY is not set.")
            await self.send_error(
                "not_configured",
                "The assistant is not configured: the server has no OPENAI_API_KEY.",
            )
            return

        await self.send_message(StreamingStartMessage())
        try:
            text = await self.stream_answer(service, question, history)
        except Exception as error:
            code, detail = describe_failure(error)
            if code == "failed":
                logger.exception("The assistant failed to answer.")
            else:
                logger.warning("The AI provider failed: %s", type(error).__name__)
            await self.send_error(code, detail)
            return
        if text is None:
            return

        self.remember(question, text)
        await self.send_message(
            CompleteStreamingMessage(payload=StreamingPayload(content=text))
        )

    async def get_service(self) -> OpenAIService:
        """Build the client once per connection, off the loop: it reads certificates."""
        if self.service is None:
            self.service = await sync_to_async(OpenAIService, thread_sensitive=False)()
        return self.service

    async def stream_answer(
        self, service: OpenAIService, question: str, history: list[ConversationMessage]
    ) -> str | None:
        """Send each token as it comes; the whole answer, or None if the client left."""
        stream = await sync_to_async(service.generate_stream, thread_sensitive=False)(
            question, history
        )
        tokens = iter(stream)
        pieces: list[str] = []
        finished = False
        try:
            while (token := await pull_token(tokens)) is not None:
                if self.disconnected:
                    return None
                if token:
                    pieces.append(token)
                    await self.send_message(
                        StreamingMessage(payload=StreamingPayload(content=token))
                    )
            finished = True
        finally:
            close = getattr(tokens, "close", None)
            if not finished and close is not None:
                # Ends the provider's HTTP response instead of leaving it open.
                await sync_to_async(close, thread_sensitive=False)()
        return "".join(pieces)

    def remember(self, question: str, text: str) -> None:
        """Keep the exchange, dropping the oldest whole exchanges past the limit."""
        self.history.append({"role": "user", "content": question})
        self.history.append({"role": "assistant", "content": text})
        limit = max(settings.ASSISTANT_HISTORY_LIMIT, 0)
        while len(self.history) > limit:
            del self.history[:2]

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_message(ErrorMessage(payload={"code": code, "detail": detail}))
