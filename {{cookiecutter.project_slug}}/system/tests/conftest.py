"""The system tests' Celery worker and channel layer.

One worker thread runs the jobs for the whole run, on the project's own Celery
app, which the test settings point at an in-memory broker.
"""

from collections.abc import Iterator

import pytest
from celery.contrib.testing.tasks import ping
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController
from celery.worker import state as worker_state
from django.conf import settings
from django.test import override_settings

from config.celery import app as celery_app

redis_is_the_channel_layer = "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]

THREAD_SAFE_IN_MEMORY = {
    "default": {"BACKEND": "system.tests.channel_layers.ThreadSafeInMemoryChannelLayer"}
}


@pytest.fixture(autouse=True)
def worker_thread_reaches_sockets() -> Iterator[None]:
    """Channels' in-memory layer misses what the worker thread sends (see
    channel_layers.py); Redis needs no help."""
    if redis_is_the_channel_layer:
        yield
        return
    with override_settings(CHANNEL_LAYERS=THREAD_SAFE_IN_MEMORY):
        yield


@pytest.fixture(scope="session")
def celery_session_worker() -> Iterator[WorkController]:
    """The worker thread, stopped in a moment instead of four seconds.

    The start-up check would wait for a ping's result, polled every half
    second; the worker is ready anyway once it has started. A stopping worker
    first sits out two of its 2 s waits for a message; two no-op tasks end them
    at once.
    """
    with start_worker(celery_app, perform_ping_check=False) as worker:
        yield worker
        worker_state.should_terminate = 0  # type: ignore[assignment]  # as Celery's own fixture does
        for _ in range(2):
            celery_app.send_task(ping.name)


@pytest.fixture
def celery_worker(celery_session_worker: WorkController) -> WorkController:
    """One worker thread for the whole run: one per test costs seconds each."""
    return celery_session_worker
