"""``/readyz/`` says whether Redis answers; ``/healthz/`` never asks it."""

import asyncio
from typing import Any

from django.test import override_settings

from core.health import HealthCheck
from core.tests.processes import free_port

Response = tuple[int, bytes]


async def refuse(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("the probes are answered in front of Django")


async def probe(path: str) -> Response:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request"}

    await HealthCheck(refuse)(
        {"type": "http", "path": path, "method": "GET"}, receive, send
    )
    return sent[0]["status"], sent[1]["body"]


@override_settings(REDIS_URL="")
def test_without_redis_the_server_is_ready() -> None:
    assert asyncio.run(probe("/readyz/")) == (200, b"ok\n")


def test_a_redis_that_does_not_answer_makes_it_unready_but_alive() -> None:
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        assert asyncio.run(probe("/readyz/")) == (503, b"Redis does not answer\n")
        assert asyncio.run(probe("/healthz/")) == (200, b"ok\n")
