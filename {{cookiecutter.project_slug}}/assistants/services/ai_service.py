"""The assistant's model: OpenAI, or any server that speaks its API."""

import functools
import logging
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal, TypedDict, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings

if TYPE_CHECKING:  # the SDK takes a second to import: only where it is used
    from openai.types.chat import ChatCompletionMessageParam

logger = logging.getLogger(__name__)
T = TypeVar("T")


class NotConfigured(Exception):
    """No ``OPENAI_API_KEY``: the assistant cannot answer anybody."""


class ConversationMessage(TypedDict):
    """One turn of a conversation, in the shape OpenAI's API takes."""

    role: Literal["user", "assistant"]
    content: str


class OpenAIService:
    """Streams completions, configured by the ``OPENAI_*`` settings.

    The client is synchronous on purpose: the consumer pulls each token in a
    thread of its own, so the event loop never waits on the network, and
    tests can stand in a plain iterator for the stream.
    """

    def __init__(self) -> None:
        # The SDK would also look at the process environment; the settings are
        # the one source, so a test can rely on overriding them.
        if not settings.OPENAI_API_KEY:
            raise NotConfigured("OPENAI_API_KEY is not set.")
        from openai import OpenAI

        self.model: str = settings.OPENAI_MODEL
        self.client = OpenAI(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL or None,
            timeout=settings.OPENAI_TIMEOUT,
            max_retries=settings.OPENAI_MAX_RETRIES,
        )

    def generate_stream(
        self, message: str, history: Sequence[ConversationMessage]
    ) -> Generator[str, None, None]:
        """Yield the answer to ``message``, given the turns before it.

        A generator, so the request is only made when the first token is
        pulled (in the caller's thread), and closing it early closes
        the HTTP response. The answer is cut at ``ASSISTANTS_MAX_ANSWER_TOKENS``
        tokens. Chunks without text (the role, the finish reason, usage) yield
        nothing.
        """
        messages = [as_message_param(turn) for turn in history]
        messages.append({"role": "user", "content": message})
        with self.client.chat.completions.create(
            model=self.model,
            messages=messages,
            stream=True,
            max_completion_tokens=settings.ASSISTANTS_MAX_ANSWER_TOKENS,
        ) as stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content


def as_message_param(turn: ConversationMessage) -> "ChatCompletionMessageParam":
    """The SDK types each role separately; build the one that fits."""
    if turn["role"] == "assistant":
        return {"role": "assistant", "content": turn["content"]}
    return {"role": "user", "content": turn["content"]}


@functools.cache
def provider_threads() -> ThreadPoolExecutor:
    """The threads that wait on the AI provider, and nothing else.

    Each token is awaited in one, for at most ``OPENAI_TIMEOUT``: a slow
    provider never stalls the event loop, and at most
    ``ASSISTANTS_PROVIDER_THREADS`` stalled answers (more wait their turn)
    take no thread that anything else needs.
    """
    return ThreadPoolExecutor(
        max_workers=settings.ASSISTANTS_PROVIDER_THREADS,
        thread_name_prefix="assistants-provider",
    )


def in_provider_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    return sync_to_async(function, thread_sensitive=False, executor=provider_threads())


def next_token(tokens: Iterator[str]) -> str | None:
    """``next`` that returns None at the end: StopIteration cannot cross threads."""
    return next(tokens, None)


async def tokens_of(
    service: OpenAIService, question: str, history: list[ConversationMessage]
) -> AsyncGenerator[str, None]:
    """The answer's tokens, each pulled in a provider thread; closing early
    closes the provider's HTTP response."""
    tokens = iter(await in_provider_thread(service.generate_stream)(question, history))
    finished = False
    try:
        while (token := await in_provider_thread(next_token)(tokens)) is not None:
            if token:
                yield token
        finished = True
    finally:
        close = getattr(tokens, "close", None)
        if not finished and close is not None:
            await in_provider_thread(close)()


def remembered(
    history: list[ConversationMessage], question: str, answer: str
) -> list[ConversationMessage]:
    """``history`` and the new exchange, less the oldest exchanges past the limits:
    ``ASSISTANT_HISTORY_LIMIT`` messages, ``ASSISTANTS_HISTORY_MAX_CHARS`` characters."""
    history = [
        *history,
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
    ]
    limit = max(settings.ASSISTANT_HISTORY_LIMIT, 0)
    while history and (
        len(history) > limit
        or sum(len(turn["content"]) for turn in history)
        > settings.ASSISTANTS_HISTORY_MAX_CHARS
    ):
        del history[:2]
    return history


# What the server's operator can do about a provider's refusal: for the log only.
STATUS_HINTS = {
    401: "check OPENAI_API_KEY",
    403: "check OPENAI_API_KEY",
    404: "check OPENAI_MODEL and OPENAI_BASE_URL",
    429: "the provider's own rate limit or quota",
}


def describe_failure(error: Exception) -> tuple[str, str]:
    """Log a failed answer; a code and one sentence for the client (no details)."""
    from openai import APIConnectionError, APIStatusError, APITimeoutError, OpenAIError

    if isinstance(error, APIStatusError):
        hint = STATUS_HINTS.get(error.status_code, "see the provider's status")
        logger.warning(
            "The AI provider refused a request (HTTP %s): %s.", error.status_code, hint
        )
        return (
            "provider_error",
            f"The AI provider refused the request (HTTP {error.status_code}). Try again later.",
        )
    if not isinstance(error, OpenAIError):
        logger.error("The assistant failed to answer.", exc_info=error)
        return "failed", "The assistant failed to answer. Try again."
    logger.warning("The AI provider failed: %s", type(error).__name__)
    if isinstance(error, APITimeoutError):
        return "unavailable", "The AI provider did not answer in time. Try again."
    if isinstance(error, APIConnectionError):
        return "unavailable", "Could not reach the AI provider. Try again."
    return "provider_error", "The AI provider failed while answering. Try again."
