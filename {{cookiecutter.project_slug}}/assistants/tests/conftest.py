"""The assistants' fake provider on the shared servers, and the tests that
fault Redis, collected only when REDIS_URL is set.

Those start a Redis of their own, but a run without REDIS_URL is one without
Redis as far as the project knows; see system/tests/conftest.py.
"""

from contextlib import ExitStack

import pytest
from django.conf import settings

from assistants.tests.fake_openai import FakeOpenAI

SHARED_PROVIDER = pytest.StashKey[FakeOpenAI]()

REDIS_ONLY = ["test_assistant_outage.py"]

collect_ignore = [] if settings.REDIS_URL else REDIS_ONLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if collect_ignore:
        terminalreporter.write_line(
            f"Not collected: assistants/tests/{', '.join(collect_ignore)} (needs Redis: set REDIS_URL)."
        )


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
