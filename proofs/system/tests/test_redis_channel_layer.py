"""Against Redis, a socket left idle keeps working (see conftest.py)."""

import asyncio
from typing import cast

import pytest
from celery.apps.worker import Worker
from chanx.constants import EVENT_ACTION_COMPLETE
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

from core.tests.sockets import SocketTestCase
from system.consumers.system_consumer import SystemConsumer
from system.messages import JobResult, SystemMessage, TaskPayload

# Longer than redis-py's default 5 s read timeout, which would end the wait.
IDLE_SECONDS = 6


class IdleSocketTestCase(SocketTestCase):
    consumer = SystemConsumer
    ws_path = "/ws/system/"

    @pytest.fixture(autouse=True)
    def _inject_fixtures(self, celery_worker: Worker) -> None:
        self.celery_worker: Worker = celery_worker

    async def test_a_socket_idle_for_a_while_still_answers_and_gets_results(
        self,
    ) -> None:
        await self.auth_communicator.connect()

        await asyncio.sleep(IDLE_SECONDS)

        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_messages() == [PongMessage()]
        await self.auth_communicator.send_message(
            SystemMessage(payload=TaskPayload(task_type="translate", content="hello"))
        )
        await self.auth_communicator.receive_all_messages()
        results = await self.auth_communicator.receive_all_messages(
            stop_action=EVENT_ACTION_COMPLETE, timeout=4
        )
        assert [cast(JobResult, m).payload for m in results] == [
            "Translated: 'hello' → 'hola'"
        ]
