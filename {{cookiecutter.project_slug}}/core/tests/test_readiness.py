"""``/healthz/`` answers while the process runs; ``/readyz/`` asks Redis when there is one."""

import asyncio
from typing import Any

from django.test import override_settings

from core.health import HealthCheck


async def django(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("the probes are answered in front of Django")


async def probe(path: str) -> tuple[int, bytes]:
    sent: asyncio.Queue[Any] = asyncio.Queue()
    scope = {"type": "http", "path": path, "method": "GET", "headers": []}
    await HealthCheck(django)(scope, None, sent.put)
    return sent.get_nowait()["status"], sent.get_nowait()["body"]


def test_the_process_is_alive_and_ready_without_redis() -> None:
    with override_settings(REDIS_URL=""):
        assert asyncio.run(probe("/healthz/")) == (200, b"ok\n")
        assert asyncio.run(probe("/readyz/")) == (200, b"ok\n")


def test_a_redis_that_does_not_answer_makes_it_unready_but_alive() -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:9/0"):  # nothing there
        assert asyncio.run(probe("/readyz/"))[0] == 503
        assert asyncio.run(probe("/healthz/")) == (200, b"ok\n")
