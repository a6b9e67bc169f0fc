"""``send_notification`` reaches every connected client; bad arguments are refused."""

import asyncio
from io import StringIO
from typing import cast

import pytest
from chanx.channels.testing import DjangoWebsocketCommunicator
from chanx.constants import EVENT_ACTION_COMPLETE
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.tests.sockets import SocketTestCase
from system.consumers.system_consumer import SystemConsumer
from system.messages import SystemNotification


def send_notification(*args: str) -> str:
    """Run the command as a separate program would: outside the event loop."""
    out = StringIO()
    call_command("send_notification", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class SendNotificationTestCase(SocketTestCase):
    consumer = SystemConsumer
    ws_path = "/ws/system/"

    async def connect(self, communicator: DjangoWebsocketCommunicator) -> None:
        """Connect, and wait until the consumer has joined its group.

        chanx accepts the socket before it joins the group; the consumer takes
        the next frame only after that, so its answer to a ping means joined.
        """
        await communicator.connect()
        await communicator.send_message(PingMessage())
        assert await communicator.receive_all_messages() == [PongMessage()]

    async def test_every_connected_client_gets_the_notice(self) -> None:
        await self.connect(self.auth_communicator)
        other = self.create_communicator()
        await self.connect(other)

        output = await asyncio.to_thread(send_notification, "Maintenance at noon")

        for communicator in (self.auth_communicator, other):
            messages = await communicator.receive_all_messages(
                stop_action=EVENT_ACTION_COMPLETE
            )
            assert messages == [SystemNotification(payload="Maintenance at noon")]
        assert "Sent notice 1 of 1" in output

    async def test_repeat_sends_the_notice_again(self) -> None:
        await self.connect(self.auth_communicator)

        await asyncio.to_thread(
            send_notification, "Restarting", "--repeat", "3", "--interval", "0"
        )

        received = []
        for _ in range(3):
            received += await self.auth_communicator.receive_all_messages(
                stop_action=EVENT_ACTION_COMPLETE
            )
        assert [cast(SystemNotification, m).payload for m in received] == [
            "Restarting"
        ] * 3


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["hi", "--repeat", "0"], "--repeat: must be a whole number of 1 or more"),
        (["hi", "--repeat", "two"], "--repeat: must be a whole number of 1 or more"),
        (["hi", "--interval", "-1"], "--interval: must be a number of seconds"),
        (["hi", "--interval", "nan"], "--interval: must be a number of seconds"),
        (["   "], "The notice is empty"),
        ([], "the following arguments are required: message"),
    ],
)
def test_bad_arguments_get_a_clear_usage_error(args: list[str], complaint: str) -> None:
    with pytest.raises(CommandError, match=complaint):
        send_notification(*args)


def test_without_redis_it_warns_that_a_running_server_will_not_hear() -> None:
    err = StringIO()

    with override_settings(REDIS_URL=""):
        call_command("send_notification", "hello", stdout=StringIO(), stderr=err)

    assert "REDIS_URL is not set" in err.getvalue()
