"""OpenAIService against a local OpenAI-compatible server: the request it makes
and the stream it reads, with the official SDK doing the HTTP."""

from collections.abc import Generator
from contextlib import contextmanager

import pytest
from django.test import override_settings
from openai import AuthenticationError

from assistants.services.ai_service import (
    ConversationMessage,
    NotConfigured,
    OpenAIService,
)
from assistants.tests.fake_openai import FakeOpenAI, chunk

HISTORY: list[ConversationMessage] = [
    {"role": "user", "content": "What is Chanx?"},
    {"role": "assistant", "content": "A toolkit for typed websockets."},
]


@contextmanager
def fake_openai(server: FakeOpenAI) -> Generator[FakeOpenAI, None, None]:
    """Run ``server`` with the settings pointing the service at it."""
    with (
        server,
        override_settings(
            OPENAI_API_KEY="test-key",
            OPENAI_BASE_URL=server.base_url,
            OPENAI_MODEL="test-model",
        ),
    ):
        yield server


def test_streams_the_conversation_and_yields_only_text() -> None:
    events = [
        chunk("", role="assistant"),
        chunk("Typed"),
        chunk(None),
        chunk(" messages"),
        chunk("."),
        {**chunk(None), "choices": []},  # a usage-only chunk has no choices
    ]
    with fake_openai(FakeOpenAI(events=events)) as server:
        tokens = list(OpenAIService().generate_stream("And Channels?", HISTORY))

    assert tokens == ["Typed", " messages", "."]
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.body["model"] == "test-model"
    assert request.body["stream"] is True
    assert request.body["messages"] == [
        *HISTORY,
        {"role": "user", "content": "And Channels?"},
    ]


def test_nothing_is_sent_until_the_first_token_is_pulled() -> None:
    with fake_openai(FakeOpenAI(events=[chunk("Hi")])) as server:
        stream = OpenAIService().generate_stream("Hello", [])
        assert server.requests == []
        assert next(stream) == "Hi"
        assert len(server.requests) == 1
        stream.close()


def test_a_refusal_raises_the_sdk_error() -> None:
    with (
        fake_openai(FakeOpenAI(status=401)),
        pytest.raises(AuthenticationError),
    ):
        list(OpenAIService().generate_stream("Hello", []))


@override_settings(OPENAI_API_KEY="")
def test_no_api_key_fails_at_construction() -> None:
    with pytest.raises(NotConfigured, match="OPENAI_API_KEY"):
        OpenAIService()
