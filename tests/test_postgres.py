"""The fullest bake on a real PostgreSQL server, as production runs it.

A throwaway cluster (Debian's ``postgresql`` package) on a free port of
127.0.0.1, started and stopped by its own PID. PostgreSQL refuses to run as
root, so under root its processes run as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import http.client
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from bakery import (
    FULLEST,
    clean_environment,
    free_port,
    passed_tests,
    run,
    stop,
    wait_until_listening,
)

POOL_SIZE = 2


def postgres_program(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; CI must install it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    return found[-1]


def as_postgres() -> dict[str, Any]:
    """Popen options that run a PostgreSQL program as someone other than root."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """An empty database ``app`` on a fresh cluster, reached without a password."""
    folder = Path(tempfile.mkdtemp(prefix="postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        [
            postgres_program("initdb"),
            "-D",
            data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        **as_postgres(),
    )
    server = subprocess.Popen(
        [
            postgres_program("postgres"),
            "-D",
            data,
            "-p",
            str(port),
            "-k",
            folder,
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **as_postgres(),
    )
    try:
        wait_until_listening(port, server, "PostgreSQL", timeout=30)
        url = f"postgres://postgres@127.0.0.1:{port}"
        psql(url + "/postgres", "CREATE DATABASE app")
        yield f"{url}/app"
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)


def psql(url: str, query: str) -> str:
    result = subprocess.run(
        [postgres_program("psql"), url, "-Atc", query],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
def test_migrations_and_the_suite_pass_on_postgresql(
    project: Path, bake_python: Path, postgres_url: str, redis_url: str
) -> None:
    environment = clean_environment(DATABASE_URL=postgres_url, REDIS_URL=redis_url)
    run([bake_python, "manage.py", "migrate", "--noinput"], project, environment)
    run(
        [bake_python, "manage.py", "makemigrations", "--check", "--dry-run"],
        project,
        environment,
    )
    tables = psql(
        postgres_url, "SELECT count(*) FROM pg_tables WHERE schemaname='public'"
    )
    assert int(tables) > 10  # Django's own, axes' and the apps'
    result = run(
        [bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        environment,
    )
    passed_tests(result)


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
def test_the_server_borrows_connections_from_a_bounded_pool(
    project: Path, bake_python: Path, postgres_url: str, tmp_path: Path
) -> None:
    """ASGI serves requests from threads; no thread keeps a connection of its
    own, so however many requests come, the server holds DATABASE_POOL_SIZE."""
    environment = clean_environment(
        DATABASE_URL=postgres_url,
        DATABASE_POOL_SIZE=str(POOL_SIZE),
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    run([bake_python, "manage.py", "migrate", "--noinput"], project, environment)
    run([bake_python, "manage.py", "collectstatic", "--noinput"], project, environment)
    sessions = run(
        [bake_python, "manage.py", "shell", "-v", "0", "-c", CREATE_SESSIONS],
        project,
        environment,
    ).stdout.split()
    assert len(sessions) == 20

    port = free_port()
    uvicorn = bake_python.parent / "uvicorn"
    server = subprocess.Popen(
        [uvicorn, "config.asgi:application", "--port", str(port), "--lifespan", "off"],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_listening(port, server, "uvicorn")

        def signed_in_page(session: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/", headers={"Cookie": f"sessionid={session}"})
            response = connection.getresponse()
            body = response.read().decode()
            connection.close()
            assert "member-" in body  # the page knew the user: the database answered
            return response.status

        held = []
        for _ in range(3):
            with ThreadPoolExecutor(max_workers=10) as pool:
                assert set(pool.map(signed_in_page, sessions)) == {200}
            held.append(int(psql(postgres_url, CONNECTIONS_TO_APP)))
        assert all(1 <= count <= POOL_SIZE for count in held), held
    finally:
        stop(server)
    assert int(psql(postgres_url, CONNECTIONS_TO_APP)) == 0  # given back on exit


CONNECTIONS_TO_APP = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'app' "
    "AND pid <> pg_backend_pid()"
)
CREATE_SESSIONS = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
for number in range(20):
    user = get_user_model().objects.create_user(f"member-{number}", password=None)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    print(session.session_key)
"""
