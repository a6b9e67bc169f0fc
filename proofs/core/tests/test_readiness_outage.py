"""Readiness through a real Redis outage: ``/readyz/`` follows Redis, ``/healthz/`` stays green."""

import time
from pathlib import Path

import pytest
from redis import Redis

from core.tests.faults import own_redis, project_environment, uvicorn
from core.tests.servers import Server

pytestmark = pytest.mark.redis_processes


def status_within(server: Server, path: str, expected: int, timeout: float = 5) -> int:
    """``path``'s status once it is ``expected``, or the last one after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (status := server.status(path)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return status


def test_readiness_says_whether_redis_answers(tmp_path: Path) -> None:
    with (
        own_redis(tmp_path) as redis,
        uvicorn(tmp_path, project_environment(tmp_path, redis.url)) as server,
    ):
        assert server.status("/readyz/") == 200

        redis.stop()
        assert status_within(server, "/readyz/", 503) == 503
        assert server.status("/healthz/") == 200

        redis.start()
        assert status_within(server, "/readyz/", 200) == 200


def connections_received(redis_url: str) -> int:
    """How many connections Redis has accepted since it started."""
    client = Redis.from_url(redis_url)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


def test_probes_reuse_pooled_connections(tmp_path: Path) -> None:
    with (
        own_redis(tmp_path) as redis,
        uvicorn(tmp_path, project_environment(tmp_path, redis.url)) as server,
    ):
        assert server.status("/readyz/") == 200
        before = connections_received(redis.url)
        statuses = {server.status("/readyz/") for _ in range(200)}
        opened = connections_received(redis.url) - before - 1  # less this count's

    assert statuses == {200}
    assert opened <= 2, opened
