"""Job publishing has threads of its own: a stalled shared pool does not delay it."""

import time

import pytest
from celery.apps.worker import Worker
from chanx.messages.outgoing import ErrorMessage

from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase
from core.tests.threads import default_executor_stalled
from system.consumers.system_consumer import SystemConsumer
from system.messages import JobQueued, JobResult, SystemMessage, TaskPayload


class PublishingThreadsTestCase(SocketTestCase):
    consumer = SystemConsumer
    ws_path = "/ws/system/"

    @pytest.fixture(autouse=True)
    def _inject_fixtures(self, celery_worker: Worker) -> None:
        self.celery_worker: Worker = celery_worker

    async def test_a_job_is_acknowledged_while_the_loops_default_threads_are_stalled(
        self,
    ) -> None:
        await self.auth_communicator.connect()

        async with default_executor_stalled():
            started = time.monotonic()
            await self.auth_communicator.send_message(
                SystemMessage(payload=TaskPayload(task_type="analyze", content="hi"))
            )
            replies = await self.auth_communicator.receive_all_messages(
                timeout=REPLY_TIMEOUT
            )
            elapsed = time.monotonic() - started

        assert [type(reply) for reply in replies] == [JobQueued], replies
        assert not isinstance(replies[0], ErrorMessage)
        assert elapsed < 2.0
        result = await self.auth_communicator.receive_json_from(timeout=REPLY_TIMEOUT)
        assert result["action"] == JobResult.model_fields["action"].default
