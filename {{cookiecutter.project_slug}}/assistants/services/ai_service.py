"""The assistant's model: OpenAI, or any server that speaks its API."""

from collections.abc import Generator, Sequence
from typing import Literal, TypedDict

from django.conf import settings
from openai import OpenAI, OpenAIError
from openai.types.chat import ChatCompletionMessageParam


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
            raise OpenAIError("OPENAI_API_KEY is not set.")
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


def as_message_param(turn: ConversationMessage) -> ChatCompletionMessageParam:
    """The SDK types each role separately; build the one that fits."""
    if turn["role"] == "assistant":
        return {"role": "assistant", "content": turn["content"]}
    return {"role": "user", "content": turn["content"]}
