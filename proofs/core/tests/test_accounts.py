"""Signing in and out with Django's views, and the nav that says who is there."""

import pytest
from django.test import Client
from django.urls import reverse

from core.tests.sessions import PASSWORD, make_user


def test_a_visitor_is_offered_to_sign_in_and_brought_back(client: Client) -> None:
    html = client.get("/").content.decode()

    assert f'href="{reverse("core:login")}?next=/"' in html
    assert 'id="sign-out"' not in html


def test_the_sign_in_page_is_in_the_site_style(client: Client) -> None:
    response = client.get(reverse("core:login"), {"next": "/"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/core/site.css" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="next" value="/"' in html
    assert "<script>" not in html and "style=" not in html


@pytest.mark.django_db
def test_signing_in_shows_the_name_and_a_sign_out_button(client: Client) -> None:
    make_user("ada")

    response = client.post(
        reverse("core:login"), {"username": "ada", "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"

    html = client.get("/").content.decode()
    assert '<span class="account-name" id="signed-in-as">ada</span>' in html
    assert f'action="{reverse("core:logout")}"' in html
    assert "?next=" not in html


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client: Client) -> None:
    make_user("ada")

    response = client.post(
        reverse("core:login"), {"username": "ada", "password": "wrong"}
    )

    assert response.status_code == 200
    assert 'class="form-error"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signing_out_takes_a_post_and_forgets_the_user(client: Client) -> None:
    client.force_login(make_user("ada"))

    assert client.get(reverse("core:logout")).status_code == 405
    response = client.post(reverse("core:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert 'id="signed-in-as"' not in client.get("/").content.decode()


def test_a_foreign_next_page_is_not_followed(client: Client) -> None:
    html = client.get(
        reverse("core:login"), {"next": "https://evil.example/"}
    ).content.decode()

    assert "evil.example" not in html
