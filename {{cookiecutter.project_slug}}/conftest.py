"""Fixtures shared by every app's tests."""
{%- if cookiecutter.use_system %}

from collections.abc import Iterator
from typing import Any
{%- endif %}

import pytest
{%- if cookiecutter.use_system %}
from celery import Celery
from celery.worker import WorkController
from celery.worker import state as worker_state
{%- endif %}
from channels.layers import get_channel_layer

pytest_plugins = [
    # A live server and headless Chromium for the browser tests (pytest -m e2e).
    "core.tests.browser",
    {%- if cookiecutter.use_system %}
    # Celery's own fixtures; they ship with celery, no extra is needed.
    "celery.contrib.pytest",
    {%- endif %}
]


@pytest.fixture(scope="session", autouse=True)
def channel_layer_loaded() -> None:
    """Load the channel layer before any test connects a socket.

    The first connect would otherwise import it, and Redis' client is big: on
    a busy machine that alone can outlast a test's one-second connect timeout.
    """
    get_channel_layer()
{%- if cookiecutter.use_system %}


@pytest.fixture(scope="session")
def celery_config() -> dict[str, Any]:
    """The test worker's app: broker and results in memory, never Redis."""
    return {
        "broker_url": "memory://",
        "result_backend": "cache+memory://",
        # The memory broker polls once a second by default: most of a job's time.
        "broker_transport_options": {"polling_interval": 0.01},
        "task_always_eager": False,
    }


@pytest.fixture(scope="session")
def celery_includes() -> tuple[str, ...]:
    return ("system.tasks",)


@pytest.fixture(scope="session")
def celery_worker_parameters() -> dict[str, Any]:
    # The start-up check waits for a ping's result, polled every half second;
    # the worker is ready anyway once it has started.
    return {"perform_ping_check": False}


@pytest.fixture(scope="session")
def celery_session_worker(
    celery_session_worker: WorkController, celery_session_app: Celery
) -> Iterator[WorkController]:
    """Celery's session worker, stopped in a moment instead of four seconds.

    A stopping worker first sits out two of its 2 s waits for a message; two
    no-op tasks end them at once.
    """
    yield celery_session_worker
    worker_state.should_terminate = 0  # type: ignore[assignment]  # as Celery's own fixture does
    for _ in range(2):
        celery_session_app.send_task("celery.ping")


@pytest.fixture
def celery_worker(celery_session_worker: WorkController) -> WorkController:
    """One worker thread for the whole run: one per test costs seconds each."""
    return celery_session_worker
{%- endif %}
