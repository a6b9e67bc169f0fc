"""core.limits: counts per client, name and period, with the limits library."""

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.test import override_settings
from limits import (
    RateLimitItemPerDay,
    RateLimitItemPerSecond,
)
from limits import (
    RateLimitItemPerMinute as per_minute,
)
from limits import (
    RateLimitItemPerSecond as per_second,
)

from core.limits import Refusal, client_key, count, limiter, rate_limited
from core.tests.processes import free_port
from core.tests.sessions import make_user
from core.tests.sockets import fresh_counts


def counted(*limits: Any, name: str = "events", client: str = "someone") -> Any:
    """Count one event in a fresh event loop, with counts apart from other tests'."""
    return asyncio.run(count(name, client, limits))


@pytest.fixture(autouse=True)
def own_counts() -> Iterator[None]:
    with fresh_counts():
        yield


def test_allows_up_to_the_count_then_says_when_to_retry() -> None:
    async def four() -> list[Refusal | None]:
        return [await count("events", "someone", [per_minute(3)]) for _ in range(4)]

    verdicts = asyncio.run(four())

    assert verdicts[:3] == [None, None, None]
    assert verdicts[3] is not None
    assert verdicts[3].limit == "3 per minute"
    assert 1 <= verdicts[3].retry_after <= 60


def test_clients_and_names_are_counted_apart() -> None:
    async def run() -> list[Refusal | None]:
        return [
            await count("events", "one", [per_minute(1)]),
            await count("events", "two", [per_minute(1)]),
            await count("other", "one", [per_minute(1)]),
            await count("events", "one", [per_minute(1)]),
        ]

    assert [verdict is None for verdict in asyncio.run(run())] == [
        True,
        True,
        True,
        False,
    ]


def test_a_new_window_starts_from_zero() -> None:
    async def run() -> list[Refusal | None]:
        first = [await count("events", "someone", [per_second(1)]) for _ in range(2)]
        await asyncio.sleep(1.1)
        return [*first, await count("events", "someone", [per_second(1)])]

    assert [verdict is None for verdict in asyncio.run(run())] == [True, False, True]


def test_every_server_process_adds_to_the_same_counts_in_redis() -> None:
    """Each event loop (each server process) has its own limiter."""
    first, second = counted(per_minute(1)), counted(per_minute(1))

    assert first is None
    assert (second is not None) == bool(settings.REDIS_URL)


def test_a_refusal_by_the_shorter_period_spares_the_longer_one() -> None:
    async def run() -> tuple[Refusal | None, int]:
        limits = [RateLimitItemPerDay(3), per_second(1)]
        await count("events", "someone", limits)
        refusal = await count("events", "someone", limits)
        stats = await limiter().get_window_stats(limits[0], "events", "someone")
        return refusal, stats.remaining

    refusal, left_today = asyncio.run(run())

    assert refusal is not None and refusal.limit == "1 per second"
    assert left_today == 2


def test_a_count_of_zero_refuses_everything() -> None:
    assert counted(per_minute(0)) is not None


def test_periods_read_as_words() -> None:
    day = counted(RateLimitItemPerDay(0))
    assert day is not None and day.limit == "0 per day"
    assert 86000 < day.retry_after <= 86400
    refusal = counted(RateLimitItemPerSecond(0, 90))
    assert refusal is not None and refusal.limit == "0 per 90 seconds"


def test_an_unreachable_redis_refuses_unless_told_to_let_events_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> Refusal | None:
        with pytest.raises(Exception, match="onnect"):
            await count("events", "someone", [per_minute(1)])
        return await count("events", "someone", [per_minute(1)], fail_open=True)

    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        assert asyncio.run(run()) is None
    assert "Redis does not answer" in caplog.text


def test_a_refusal_is_logged_once_an_hour_per_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refusal = Refusal("1 per minute", 30)

    async def refuse_twice() -> dict[str, Any]:
        await rate_limited("Too many messages", refusal, "someone", "/ws/x/")
        return await rate_limited("Too many messages", refusal, "someone", "/ws/x/")

    with caplog.at_level(logging.INFO, "core.limits"):
        payload = asyncio.run(refuse_twice())

    assert payload == {
        "code": "rate_limited",
        "detail": "Too many messages (1 per minute). Try again in 30 seconds.",
        "retry_after": 30,
    }
    assert len([r for r in caplog.records if r.name == "core.limits"]) == 1


def scope(host: str | None, user: User | None = None) -> dict[str, Any]:
    return {
        "client": None if host is None else (host, 51000),
        "user": user or AnonymousUser(),
    }


def test_visitors_count_per_address() -> None:
    assert client_key(scope("203.0.113.7")) == "address:203.0.113.7"
    assert client_key(scope("::ffff:203.0.113.7")) == "address:203.0.113.7"
    assert client_key(scope(None)) == "address:unknown"


def test_ipv6_visitors_count_per_64_network() -> None:
    one = client_key(scope("2001:db8:1:2::1"))
    same_network = client_key(scope("2001:db8:1:2:ffff::9"))
    other_network = client_key(scope("2001:db8:1:3::1"))

    assert one == same_network == "address:2001:db8:1:2::/64"
    assert other_network != one


@pytest.mark.django_db
def test_signed_in_users_count_per_user_wherever_they_are() -> None:
    user = make_user("counted")

    assert client_key(scope("203.0.113.7", user)) == f"user:{user.pk}"
    assert client_key(scope("198.51.100.1", user)) == f"user:{user.pk}"
