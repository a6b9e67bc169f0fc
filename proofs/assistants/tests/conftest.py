"""The assistants' fake provider on the shared servers, and the tests that
fault Redis, collected only when REDIS_URL is set.

Those start a Redis of their own, but a run without REDIS_URL is one without
Redis as far as the project knows; see core/tests/collection.py.
"""

from contextlib import ExitStack

import pytest

from assistants.tests.fake_openai import FakeOpenAI
from core.tests.collection import needing_redis

SHARED_PROVIDER = pytest.StashKey[FakeOpenAI]()

collect_ignore = needing_redis(__file__, ["test_assistant_outage.py"])


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
