"""Checks every chanx socket of this project must pass, mixed into each app's tests."""

from typing import TYPE_CHECKING

from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage

if TYPE_CHECKING:
    from chanx.channels.testing import WebsocketTestCase
else:
    WebsocketTestCase = object


class BadFrameChecks(WebsocketTestCase):
    """Frames that are not a known message get chanx's error, and the socket
    stays usable. Mix in before ``WebsocketTestCase`` and set ``ws_path``."""

    async def assert_still_answers_ping(self) -> None:
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_messages() == [PongMessage()]

    async def test_malformed_json_is_answered_with_an_error(self) -> None:
        await self.auth_communicator.connect()

        await self.auth_communicator.send_to(text_data="{not json")

        # A frame that is not JSON gets an error and no completion frame.
        messages = await self.auth_communicator.receive_all_messages(
            stop_action="error"
        )
        assert isinstance(messages[-1], ErrorMessage)
        await self.assert_still_answers_ping()

    async def test_unknown_action_is_answered_with_an_error(self) -> None:
        await self.auth_communicator.connect()

        await self.auth_communicator.send_json_to({"action": "reboot", "payload": 1})

        messages = await self.auth_communicator.receive_all_messages()
        assert len(messages) == 1
        assert isinstance(messages[0], ErrorMessage)
        await self.assert_still_answers_ping()
