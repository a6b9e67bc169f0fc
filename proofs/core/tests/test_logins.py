"""Password guessing is cut short: django-axes locks a client out of every login
page (the admin's, and any served by Django's ``LoginView``)."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from core.tests.pages import login_pages

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


@pytest.fixture(params=login_pages())
def login_page(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def axes_on() -> Iterator[None]:
    """The test settings turn axes off (see config/settings/test.py)."""
    with override_settings(AXES_ENABLED=True):
        yield


@pytest.fixture(autouse=True)
def staff() -> None:
    for name in ("boss", "deputy"):
        User.objects.create_superuser(name, f"{name}@example.com", PASSWORD)


def log_in(
    client: Client, login_page: str, password: str, username: str = "boss"
) -> int:
    response = client.post(login_page, {"username": username, "password": password})
    return response.status_code


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_is_served_at_admin_url() -> None:
    assert reverse("admin:index") == f"/{settings.ADMIN_URL}"


def test_a_right_password_before_the_limit_logs_in(
    client: Client, login_page: str
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, login_page, "wrong") == 200  # the form, with an error

    assert log_in(client, login_page, PASSWORD) == 302
    assert signed_in(client)


def test_too_many_wrong_passwords_lock_the_client_out(
    client: Client, login_page: str
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [log_in(client, login_page, "wrong") for _ in range(limit)]

    assert statuses == [200] * (limit - 1) + [429]
    assert log_in(client, login_page, PASSWORD) == 429
    assert not signed_in(client)


def test_the_lockout_holds_for_every_account_from_that_address(
    client: Client, login_page: str
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, login_page, "wrong")

    assert log_in(client, login_page, PASSWORD, username="deputy") == 429
    assert not signed_in(client)


def test_forwarded_headers_do_not_give_a_fresh_address(
    client: Client, login_page: str
) -> None:
    """The address is the server's REMOTE_ADDR (uvicorn believes forwarded
    headers from FORWARDED_ALLOW_IPS only); X-Forwarded-For changes nothing."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            login_page,
            {"username": "boss", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        )

    assert log_in(client, login_page, PASSWORD) == 429


def test_addresses_of_one_ipv6_64_share_a_lockout(login_page: str) -> None:
    """An IPv6 client usually holds its whole /64: each of its addresses is one
    client to axes, as to the sockets' limits."""
    for host in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"2001:db8:1:2::{host + 1:x}").post(
            login_page, {"username": "boss", "password": "wrong"}
        )

    same_network = Client(REMOTE_ADDR="2001:db8:1:2:ffff::9")
    other_network = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert log_in(same_network, login_page, PASSWORD) == 429
    assert log_in(other_network, login_page, PASSWORD) == 302


def guess_from_many_addresses(login_page: str, guesses: int) -> list[int]:
    """Wrong passwords for ``boss``, 4 from each of 10 addresses: each address stays
    under its own limit, so only the account's can stop them."""
    assert settings.AXES_FAILURE_LIMIT > 4 and guesses <= 40
    statuses = []
    for guess in range(guesses):
        guesser = Client(REMOTE_ADDR=f"198.51.100.{guess // 4 + 1}")
        statuses.append(log_in(guesser, login_page, "wrong"))
    return statuses


def test_guesses_spread_over_addresses_lock_the_account_for_new_ones(
    login_page: str,
) -> None:
    limit = settings.AXES_ACCOUNT_FAILURE_LIMIT
    statuses = guess_from_many_addresses(login_page, 40)

    assert statuses == [200] * (limit - 1) + [429] * (40 - limit + 1)
    new_address = Client(REMOTE_ADDR="203.0.113.7")
    assert log_in(new_address, login_page, PASSWORD) == 429
    assert not signed_in(new_address)
    other_account = Client(REMOTE_ADDR="203.0.113.8")
    assert log_in(other_account, login_page, PASSWORD, username="deputy") == 302


def test_the_owner_still_signs_in_where_they_signed_in_before(
    login_page: str,
) -> None:
    before = Client(REMOTE_ADDR="192.0.2.10")
    assert log_in(before, login_page, PASSWORD) == 302
    guess_from_many_addresses(login_page, settings.AXES_ACCOUNT_FAILURE_LIMIT)
    assert log_in(Client(REMOTE_ADDR="203.0.113.7"), login_page, PASSWORD) == 429

    owner = Client(REMOTE_ADDR="192.0.2.10")
    assert log_in(owner, login_page, PASSWORD) == 302
    assert signed_in(owner)
    # There, the address's own limit still holds.
    limit, same_address = settings.AXES_FAILURE_LIMIT, Client(REMOTE_ADDR="192.0.2.10")
    statuses = [log_in(same_address, login_page, "wrong") for _ in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]
