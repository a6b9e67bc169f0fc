"""A Redis outage is logged once as it starts and once as it ends, however often it fails."""

import asyncio
import logging
from collections.abc import Iterator
from unittest.mock import patch

import pytest
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from core.outage import redis_outage
from core.tests.processes import free_port

PUBSUB = logging.getLogger("channels_redis.pubsub")


def log_receive_failure(error: Exception) -> None:
    """What channels-redis' pubsub receive loop logs, each second, while it fails."""
    try:
        raise error
    except Exception:
        PUBSUB.exception("Unexpected exception in receive task")


@pytest.fixture
def unreachable_redis() -> Iterator[None]:
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        yield


@pytest.mark.usefixtures("unreachable_redis")
def test_an_outage_costs_one_warning_and_one_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = iter([False, False, True])

    async def redis_answers(url: str) -> bool:
        return next(answers)

    async def outage() -> None:
        for _ in range(5):
            log_receive_failure(RedisConnectionError("Error 111 connecting."))
        tracker = redis_outage()
        assert tracker is not None and tracker.pinging is not None
        await asyncio.wait_for(tracker.pinging, timeout=10)

    with (
        caplog.at_level(logging.DEBUG),
        patch("core.health.redis_answers", redis_answers),
        patch("core.outage.PROBE_INTERVAL", 0.01),
    ):
        asyncio.run(outage())

    logged = [
        (record.levelname, record.name, record.getMessage())
        for record in caplog.records
        if record.levelno >= logging.INFO
    ]
    assert len(logged) == 2, logged
    assert logged[0][:2] == ("WARNING", "core.outage")
    assert "Error 111 connecting." in logged[0][2]
    assert logged[1][:2] == ("INFO", "core.outage")
    assert logged[1][2].startswith("Redis answers again")
    assert not [record for record in caplog.records if record.exc_info]


@pytest.mark.usefixtures("unreachable_redis")
def test_other_errors_keep_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    async def bug() -> None:
        log_receive_failure(KeyError("a bug, not an outage"))

    asyncio.run(bug())

    [record] = caplog.records
    assert record.levelname == "ERROR"
    assert record.exc_info is not None
