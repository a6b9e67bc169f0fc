"""Tests for SystemConsumer WebSocket functionality."""

from typing import cast

import pytest
from celery.apps.worker import Worker
from chanx.channels.testing import WebsocketTestCase
from chanx.constants import EVENT_ACTION_COMPLETE
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage

from core.tests.sockets import SocketTestCase, fresh_counts
from system.consumers.system_consumer import SystemConsumer
from system.messages import (
    JobQueued,
    JobResult,
    SystemMessage,
    TaskPayload,
)


class TestSystemConsumer(WebsocketTestCase):
    """Unit tests for SystemConsumer - tests task queueing and event handling."""

    consumer = SystemConsumer

    @pytest.fixture(autouse=True)
    def _inject_fixtures(
        self,
        celery_worker: Worker,
    ) -> None:
        self.celery_worker: Worker = celery_worker

    def setUp(self) -> None:
        super().setUp()
        self.ws_path = "/ws/system/"

    async def test_connect_and_ping(self) -> None:
        """Test basic connection and ping/pong functionality."""
        await self.auth_communicator.connect()
        await self.auth_communicator.send_message(PingMessage())

        messages = await self.auth_communicator.receive_all_messages()
        assert messages == [PongMessage()]

    async def test_queue_task_returns_acknowledgment(self) -> None:
        """Test that queueing a task returns acknowledgment."""
        await self.auth_communicator.connect()

        # Queue task
        message = SystemMessage(
            payload=TaskPayload(task_type="translate", content="hello")
        )
        await self.auth_communicator.send_message(message)

        # Receive acknowledgment
        messages = await self.auth_communicator.receive_all_messages(timeout=1)

        assert len(messages) == 1
        job_queued = cast(JobQueued, messages[0])
        assert job_queued.action == "job_queued"
        assert "Job queued" in job_queued.payload
        assert "translate" in job_queued.payload

    async def test_translate_task_end_to_end(self) -> None:
        """Test full translate task execution with real Celery worker."""
        await self.auth_communicator.connect()

        # Queue translate task
        message = SystemMessage(
            payload=TaskPayload(task_type="translate", content="hello")
        )
        await self.auth_communicator.send_message(message)

        # Receive acknowledgment
        messages = await self.auth_communicator.receive_all_messages()
        assert len(messages) == 1
        assert messages[0].action == "job_queued"

        # Wait for task to complete (2s + buffer)
        result_messages = await self.auth_communicator.receive_all_messages(
            stop_action=EVENT_ACTION_COMPLETE, timeout=4
        )

        # Verify result
        assert len(result_messages) == 1
        job_result = cast(JobResult, result_messages[0])
        assert job_result.action == "job_result"
        assert "Translated" in job_result.payload
        assert "hola" in job_result.payload


class SystemAdditionsTestCase(SocketTestCase):
    """What this project adds: jobs per minute counted per client."""

    consumer = SystemConsumer
    ws_path = "/ws/system/"

    @pytest.fixture(autouse=True)
    def _inject_fixtures(self, celery_worker: Worker) -> None:
        self.celery_worker: Worker = celery_worker

    async def test_jobs_over_the_clients_minute_are_refused(self) -> None:
        job = SystemMessage(payload=TaskPayload(task_type="default", content="hi"))
        other_socket = self.create_communicator()
        with fresh_counts(SYSTEM_JOBS_PER_MINUTE=1):
            await self.auth_communicator.connect()
            await other_socket.connect()
            await self.auth_communicator.send_message(job)
            [queued] = await self.auth_communicator.receive_all_messages()
            await other_socket.send_message(job)
            replies = await other_socket.receive_all_messages()

        assert queued.action == "job_queued"
        # Refused, not queued (a notice to every system socket may come too).
        actions = [reply.action for reply in replies]
        assert "job_queued" not in actions, actions
        [refusal] = [reply for reply in replies if reply.action == "error"]
        assert cast(ErrorMessage, refusal).payload["code"] == "rate_limited"
        assert "1 per minute" in cast(ErrorMessage, refusal).payload["detail"]
