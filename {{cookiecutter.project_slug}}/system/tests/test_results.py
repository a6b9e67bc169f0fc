"""Results that wait for their owner: told once, to the owner's sockets only."""

import uuid

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User

from core.tests.sessions import signed_in_headers
from core.tests.sockets import SocketTestCase
from system import results
from system.consumers.system_consumer import SystemConsumer


class WaitingResultsTestCase(SocketTestCase):
    consumer = SystemConsumer
    ws_path = "/ws/system/"

    async def test_a_result_finished_while_away_is_given_once_to_its_owner(
        self,
    ) -> None:
        ada = await signed_in_headers("ada")
        bob = await signed_in_headers("bob")
        ada_pk = await sync_to_async(lambda: User.objects.get(username="ada").pk)()
        done, running = str(uuid.uuid4()), str(uuid.uuid4())
        record = sync_to_async(results.record)
        await record(done, f"user.{ada_pk}", "analyze")
        await record(running, f"user.{ada_pk}", "generate")
        await sync_to_async(results.finish)(done, "Analysis of 'hi'")

        others = self.create_communicator(headers=bob)
        await others.connect()
        back = self.create_communicator(headers=ada)
        await back.connect()
        told = [await back.receive_json_from() for _ in range(2)]
        again = self.create_communicator(headers=ada)
        await again.connect()
        told_again = await again.receive_json_from()

        assert told == [
            {"action": "job_result", "payload": "Analysis of 'hi'"},
            {
                "action": "job_queued",
                "payload": f"Job still running: generate (ID: {running})",
            },
        ]
        assert told_again["action"] == "job_queued"  # the result went out once
        assert await again.receive_nothing()
        assert await others.receive_nothing()
