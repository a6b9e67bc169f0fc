"""Jobs that cannot be queued get a clear answer, fast, and the socket stays open."""

import time
from collections.abc import Generator
from contextlib import contextmanager
from unittest.mock import patch

import celery
import pytest
from chanx.messages.outgoing import ErrorMessage
from django.conf import settings
from django.test import override_settings

from config.celery import app as project_app
from config.celery import refuse_to_start_without_a_broker
from core.tests.processes import free_port
from core.tests.sockets import SocketTestCase
from system.consumers.system_consumer import SystemConsumer
from system.messages import SystemMessage, TaskPayload


@contextmanager
def jobs_queued_on_an_unreachable_redis() -> Generator[None, None, None]:
    """Queue jobs through an app configured like the project's, except that
    its Redis is not there."""
    app = celery.Celery("unreachable", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # Nothing listens on a free port: connecting there is refused.
    app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0")
    try:
        with patch("system.queue.celery_app", app):
            yield
    finally:
        app.close()


class BrokerTestCase(SocketTestCase):
    consumer = SystemConsumer
    ws_path = "/ws/system/"

    async def test_an_unreachable_broker_is_reported_within_two_seconds(
        self,
    ) -> None:
        await self.auth_communicator.connect()

        with (
            jobs_queued_on_an_unreachable_redis(),
            self.assertLogs("core.outage", "WARNING") as logs,
        ):
            started = time.monotonic()
            await self.auth_communicator.send_message(
                SystemMessage(payload=TaskPayload(task_type="translate", content="hi"))
            )
            messages = await self.auth_communicator.receive_all_messages(timeout=5)
            elapsed = time.monotonic() - started

        assert elapsed < 2.0
        assert len(messages) == 1
        error = messages[0]
        assert isinstance(error, ErrorMessage)
        assert "not queued" in error.payload["detail"]
        assert "cannot be reached" in error.payload["detail"]
        # Part of the outage's one WARNING, without a traceback.
        [record] = logs.records
        assert record.exc_info is None
        assert "not queued" in record.getMessage()
        await self.assert_still_answers_ping()

    async def test_without_a_broker_jobs_are_refused_with_the_reason(self) -> None:
        await self.auth_communicator.connect()

        with override_settings(CELERY_BROKER_URL=""):
            await self.auth_communicator.send_message(
                SystemMessage(payload=TaskPayload(task_type="translate", content="hi"))
            )
            messages = await self.auth_communicator.receive_all_messages()

        assert len(messages) == 1
        error = messages[0]
        assert isinstance(error, ErrorMessage)
        assert "REDIS_URL is not set" in error.payload["detail"]
        await self.assert_still_answers_ping()


def test_the_tests_never_queue_on_redis() -> None:
    assert settings.CELERY_BROKER_URL == "memory://"
    assert project_app.conf.broker_url == "memory://"


def test_a_worker_without_a_broker_refuses_to_start() -> None:
    with (
        override_settings(CELERY_BROKER_URL=""),
        pytest.raises(SystemExit, match="REDIS_URL is not set"),
    ):
        refuse_to_start_without_a_broker()
