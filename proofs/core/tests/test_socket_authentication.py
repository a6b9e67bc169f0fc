"""core.authentication on a socket: who is there (by session or token), and
chanx's refusal."""

from typing import Any

from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from chanx.channels.testing import DjangoWebsocketCommunicator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import AuthenticationMessage, PongMessage
from django.test import Client
from rest_framework.permissions import IsAuthenticated

from core.authentication import SessionAuthenticator, signed_in_user
from core.tests.sessions import signed_in_headers
from core.tests.sockets import SocketTestCase
from core.tests.tokens import token_from_command, token_header, token_headers


class MembersOnlyAuthenticator(SessionAuthenticator):
    permission_classes = (IsAuthenticated,)


class WhoAmIConsumer(AsyncJsonWebsocketConsumer):
    """Answers a ping with pong, after saying who is signed in."""

    authenticator_class: type[SessionAuthenticator] = MembersOnlyAuthenticator
    emits = [AuthenticationMessage]  # noqa: RUF012

    @ws_handler
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        user = signed_in_user(self.scope)
        await self.send_json({"who": user.get_username() if user else None})
        return PongMessage()


application: Any = AuthMiddlewareStack(WhoAmIConsumer.as_asgi())


class SessionAuthenticatorTestCase(SocketTestCase):
    consumer = WhoAmIConsumer
    router = application
    ws_path = "/ws/members/"

    def connect_with(
        self, headers: list[tuple[bytes, bytes]]
    ) -> DjangoWebsocketCommunicator:
        return self.create_communicator(headers=headers)

    async def test_a_signed_in_user_is_let_in_without_a_frame(self) -> None:
        communicator = self.connect_with(await signed_in_headers("ada"))

        connected, _ = await communicator.connect()

        assert connected
        await communicator.send_message(PingMessage())
        assert await communicator.receive_json_from() == {"who": "ada"}
        assert await communicator.receive_all_messages() == [PongMessage()]

    async def test_a_visitor_gets_the_authentication_frame_and_4401(self) -> None:
        communicator = self.connect_with([])
        await communicator.connect()

        frame = await communicator.receive_json_from()
        refusal = AuthenticationMessage.model_validate(frame)

        assert refusal.payload.status_code == 401
        assert "credentials" in str(refusal.payload.data)
        await communicator.assert_closed(code=4401)

    async def test_a_forged_session_is_a_visitor(self) -> None:
        communicator = self.connect_with([(b"cookie", b"sessionid=forged")])
        await communicator.connect()

        frame = await communicator.receive_json_from()

        assert AuthenticationMessage.model_validate(frame).payload.status_code == 401
        await communicator.assert_closed(code=4401)

    async def test_a_client_asking_for_html_still_gets_json(self) -> None:
        communicator = self.connect_with([(b"accept", b"text/html")])
        await communicator.connect()

        frame = await communicator.receive_json_from()

        assert AuthenticationMessage.model_validate(frame).payload.status_code == 401
        await communicator.assert_closed(code=4401)

    async def assert_refused(self, headers: list[tuple[bytes, bytes]]) -> None:
        communicator = self.connect_with(headers)
        await communicator.connect()

        frame = await communicator.receive_json_from()

        assert AuthenticationMessage.model_validate(frame).payload.status_code == 401
        await communicator.assert_closed(code=4401)

    async def test_a_token_from_the_command_signs_in_without_a_frame(self) -> None:
        communicator = self.connect_with(await token_headers("grace"))

        connected, _ = await communicator.connect()

        assert connected
        await communicator.send_message(PingMessage())
        assert await communicator.receive_json_from() == {"who": "grace"}
        assert await communicator.receive_all_messages() == [PongMessage()]

    async def test_a_wrong_token_is_refused_even_beside_a_session(self) -> None:
        wrong = token_header("0123456789abcdef0123456789abcdef01234567")

        await self.assert_refused([*await signed_in_headers("ada"), wrong])

    async def test_a_replaced_token_is_refused_and_the_new_one_let_in(self) -> None:
        [old] = await token_headers("linus")
        new = await sync_to_async(token_from_command)("linus", "-r")

        await self.assert_refused([old])
        communicator = self.connect_with([token_header(new)])
        connected, _ = await communicator.connect()
        assert connected

    async def test_a_token_in_the_url_is_not_read(self) -> None:
        [header] = await token_headers("ken")
        key = header[1].decode().removeprefix("Token ")
        communicator = self.create_communicator(ws_path=f"/ws/members/?token={key}")
        await communicator.connect()

        frame = await communicator.receive_json_from()

        assert AuthenticationMessage.model_validate(frame).payload.status_code == 401


class OpenToVisitorsConsumer(WhoAmIConsumer):
    authenticator_class = SessionAuthenticator


class OpenSocketTestCase(SocketTestCase):
    """A socket that lets visitors in (as chat and system do) still refuses a
    wrong token: a program must learn that its key is bad."""

    consumer = OpenToVisitorsConsumer
    router = AuthMiddlewareStack(OpenToVisitorsConsumer.as_asgi())
    ws_path = "/ws/open/"

    async def test_a_visitor_is_let_in_and_a_wrong_token_refused(self) -> None:
        visitor = self.create_communicator(headers=[])
        connected, _ = await visitor.connect()
        assert connected
        await visitor.send_message(PingMessage())
        assert await visitor.receive_json_from() == {"who": None}
        wrong = self.create_communicator(headers=[token_header("not-a-key")])
        await wrong.connect()

        frame = await wrong.receive_json_from()

        assert AuthenticationMessage.model_validate(frame).payload.status_code == 401
        await wrong.assert_closed(code=4401)


def test_the_schema_offers_every_socket_a_session_or_a_token(client: Client) -> None:
    schema = client.get("/asyncapi/schema/").json()
    either = [
        {"$ref": "#/components/securitySchemes/cookie_sessionid"},
        {"$ref": "#/components/securitySchemes/header_authorization"},
    ]

    for operation in schema.get("operations", {}).values():
        assert operation["security"] == either, operation
    if schema["channels"]:
        token = schema["components"]["securitySchemes"]["header_authorization"]
        assert (token["type"], token["in"], token["name"]) == (
            "httpApiKey",
            "header",
            "Authorization",
        )
