"""The assistants' fake provider on the shared servers."""

from contextlib import ExitStack

import pytest

from assistants.tests.fake_openai import FakeOpenAI

SHARED_PROVIDER = pytest.StashKey[FakeOpenAI]()


def pytest_server_environment(config: pytest.Config) -> dict[str, str]:
    """Questions on the shared servers go to a fake provider of the session's
    own, from anybody: no test signs in there."""
    running = ExitStack()
    provider = running.enter_context(FakeOpenAI())
    config.add_cleanup(running.close)
    config.stash[SHARED_PROVIDER] = provider
    return {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": provider.base_url,
        "ASSISTANTS_REQUIRE_LOGIN": "false",
    }


@pytest.fixture
def shared_provider(request: pytest.FixtureRequest) -> FakeOpenAI:
    """The shared servers' provider; a test sets the ``events`` it streams."""
    return request.config.stash[SHARED_PROVIDER]
