"""The assistant socket: one conversation per connection, answered as a stream.

A model takes seconds to write an answer; streaming it token by token lets
the reader start at once instead of staring at nothing until the end.
"""

import functools
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from chanx.core.decorators import channel, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import AuthenticationMessage, ErrorMessage, PongMessage
from django.conf import settings
from openai import APIConnectionError, APIStatusError, APITimeoutError, OpenAIError
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
from assistants.services.ai_service import ConversationMessage, OpenAIService
from core.authentication import SessionAuthenticator
from core.consumers import GuardedConsumer
from core.limits import Limit, RateLimiter, client_key
from core.outage import NO_CHANNEL_LAYER

logger = logging.getLogger(__name__)

# What the server's operator can do about a provider's refusal: for the log
# only, since clients have no business knowing the server's settings.
STATUS_HINTS = {
    401: "check OPENAI_API_KEY",
    403: "check OPENAI_API_KEY",
    404: "check OPENAI_MODEL and OPENAI_BASE_URL",
    429: "the provider's own rate limit or quota",
}


class SignedInWhenRequired(BasePermission):
    """Everyone may ask unless ``ASSISTANTS_REQUIRE_LOGIN`` is on."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not settings.ASSISTANTS_REQUIRE_LOGIN:
            return True
        return bool(request.user and request.user.is_authenticated)


class AssistantsAuthenticator(SessionAuthenticator):
    permission_classes = (SignedInWhenRequired,)


def question_quota(clock: Callable[[], float] | None = None) -> RateLimiter:
    """The questions each user (or client address) may ask, read from settings.

    ``clock`` places the quota's windows (the wall clock by default).
    """
    return RateLimiter(
        "questions",
        [
            Limit(settings.ASSISTANTS_QUESTIONS_PER_MINUTE, per_seconds=60),
            Limit(settings.ASSISTANTS_QUESTIONS_PER_DAY, per_seconds=86400),
        ],
        clock=clock,
    )


def next_token(tokens: Iterator[str]) -> str | None:
    """``next`` that returns None at the end: StopIteration cannot cross threads."""
    return next(tokens, None)


@functools.cache
def provider_threads() -> ThreadPoolExecutor:
    """The threads that wait on the AI provider, and nothing else.

    Each token is awaited in one, for at most ``OPENAI_TIMEOUT``: a slow
    provider never stalls the event loop that serves every other socket, and
    at most ``ASSISTANTS_PROVIDER_THREADS`` stalled answers (more wait their
    turn) take no thread that job publishing or Django need.
    """
    return ThreadPoolExecutor(
        max_workers=settings.ASSISTANTS_PROVIDER_THREADS,
        thread_name_prefix="assistants-provider",
    )


def describe_failure(error: Exception) -> tuple[str, str]:
    """A code and one sentence for the client; the details stay in the log."""
    if isinstance(error, APITimeoutError):
        return "unavailable", "The AI provider did not answer in time. Try again."
    if isinstance(error, APIConnectionError):
        return "unavailable", "Could not reach the AI provider. Try again."
    if isinstance(error, APIStatusError):
        return (
            "provider_error",
            f"The AI provider refused the request (HTTP {error.status_code}). Try again later.",
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
class ConversationAssistantConsumer(GuardedConsumer):
    """One conversation with the assistant, for the life of the connection.

    Answers one question at a time. A question sent while an answer is still
    streaming is refused with an ``error`` frame (code ``busy``), and one over
    the asker's quota (per user, or per client address for visitors, across
    all their sockets) with code ``rate_limited``; neither reaches the
    provider. A failed answer sends an ``error`` frame and is forgotten
    together with its question, so the history stays a clean series of
    question/answer pairs.
    """

    authenticator_class = AssistantsAuthenticator
    emits = [AuthenticationMessage]  # noqa: RUF012

    def __init__(
        self,
        *args: Any,
        quota_clock: Callable[[], float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A test holds it still with as_asgi(quota_clock=...): None is the wall clock.
        self.quota_clock = quota_clock
        # It talks to nobody but its client: with no layer it stays up when Redis is down.
        self.channel_layer_alias = NO_CHANNEL_LAYER
        self.history: list[ConversationMessage] = []
        self.service: OpenAIService | None = None
        self.answering = False
        self.disconnected = False
        self.let_in = False

    async def post_authentication(self) -> None:
        self.let_in = True

    async def receive(
        self,
        text_data: str | None = None,
        bytes_data: bytes | None = None,
        **kwargs: Any,
    ) -> None:
        # A client refused at the handshake may have sent frames before it
        # heard: nobody is left to answer them.
        if self.let_in:
            await super().receive(text_data, bytes_data, **kwargs)

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
        # Frames take turns until an answer starts streaming; from then on
        # this flag keeps a second answer from interleaving with it.
        if self.answering:
            await self.send_error(
                "busy",
                "Still answering your previous message. Send this one once it is complete.",
            )
            return
        self.answering = True
        try:
            if await self.within_quota():
                # The answer streams for seconds: pings (and questions, to
                # be refused as busy) are handled meanwhile.
                self.let_next_frame_in()
                await self.answer(message.payload)
        finally:
            self.answering = False

    async def within_quota(self) -> bool:
        """Count the question; if it is over the quota, tell the client why.

        Questions are refused (code ``unavailable``) while the counts cannot
        be read, when the cache's Redis is down say: every question costs
        money, so none goes uncounted.
        """
        quota = question_quota(self.quota_clock)
        try:
            verdict = await quota.acheck(client_key(self.scope))
        except Exception as error:
            logger.warning(
                "Could not count a question: %s: %s", type(error).__name__, error
            )
            await self.send_error(
                "unavailable",
                "The assistant cannot take questions right now. Try again shortly.",
            )
            return False
        if not verdict.allowed:
            limit = verdict.refused_by
            allowed = f" ({limit.count} per {limit.period})" if limit else ""
            await self.send_rate_limited(
                f"You have asked as many questions as allowed{allowed}.",
                verdict.retry_after,
            )
        return verdict.allowed

    async def answer(self, question: str) -> None:
        history = list(self.history)
        try:
            service = await self.get_service()
        except OpenAIError:
            logger.warning("The assistant cannot answer: OPENAI_API_KEY is not set.")
            await self.send_error(
                "not_configured", "The assistant is not set up on this server yet."
            )
            return

        await self.send_message(StreamingStartMessage())
        try:
            text = await self.stream_answer(service, question, history)
        except Exception as error:
            code, detail = describe_failure(error)
            if code == "failed":
                logger.exception("The assistant failed to answer.")
            elif isinstance(error, APIStatusError):
                logger.warning(
                    "The AI provider refused a request (HTTP %s): %s.",
                    error.status_code,
                    STATUS_HINTS.get(error.status_code, "see the provider's status"),
                )
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
            self.service = await sync_to_async(
                OpenAIService, thread_sensitive=False, executor=provider_threads()
            )()
        return self.service

    async def stream_answer(
        self, service: OpenAIService, question: str, history: list[ConversationMessage]
    ) -> str | None:
        """Send each token as it comes; the whole answer, or None if the client left."""
        stream = await sync_to_async(
            service.generate_stream, thread_sensitive=False, executor=provider_threads()
        )(question, history)
        tokens = iter(stream)
        pieces: list[str] = []
        finished = False
        try:
            pull_token = sync_to_async(
                next_token, thread_sensitive=False, executor=provider_threads()
            )
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
                await sync_to_async(
                    close, thread_sensitive=False, executor=provider_threads()
                )()
        return "".join(pieces)

    def remember(self, question: str, text: str) -> None:
        """Keep the exchange, dropping the oldest whole exchanges past the limits.

        What is kept is sent with the next question, so the limits bound what
        one question costs: at most ``ASSISTANT_HISTORY_LIMIT`` messages of at
        most ``ASSISTANTS_HISTORY_MAX_CHARS`` characters together.
        """
        self.history.append({"role": "user", "content": question})
        self.history.append({"role": "assistant", "content": text})
        limit = max(settings.ASSISTANT_HISTORY_LIMIT, 0)
        max_chars = settings.ASSISTANTS_HISTORY_MAX_CHARS
        while self.history and (
            len(self.history) > limit
            or sum(len(turn["content"]) for turn in self.history) > max_chars
        ):
            del self.history[:2]

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_message(ErrorMessage(payload={"code": code, "detail": detail}))
