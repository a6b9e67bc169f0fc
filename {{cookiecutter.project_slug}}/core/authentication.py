"""Who is on a socket (``scope["user"]``): the Django user signed in through the site's
pages (Channels' ``AuthMiddlewareStack`` in ``config.asgi``), or the owner of the DRF
token a program sends in the handshake (``Authorization: Token <key>``; ``manage.py
drf_create_token``). Every ``RealtimeConsumer`` is checked by ``SessionAuthenticator``
(or a subclass with other DRF ``permission_classes``) as an HTTP view would be."""

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from chanx.channels.authenticator import ChanxAuthView, DjangoAuthenticator
from chanx.core.authenticator import Credential
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import AuthenticationMessage
from chanx.type_defs import SendMessageFn
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


class JSONWhateverTheClientAccepts(BaseContentNegotiation):
    """JSON, whatever the handshake's ``Accept``: DRF would pick its browsable API
    (not installed) for text/html, a 406 for the rest."""

    def select_parser(
        self, request: Request, parsers: Iterable[BaseParser]
    ) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class AuthenticationView(ChanxAuthView):
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = JSONWhateverTheClientAccepts


class SessionAuthenticator(DjangoAuthenticator):
    """Let everyone in, knowing who is signed in; subclasses narrow the permissions.
    A refused client gets chanx's ``authentication`` frame and a close with 4000 + its
    status (4401, 4403); an accepted one gets no frame. A token is checked first, so a
    wrong one is refused even beside a session; its user is held to the same rules."""

    # The first class's WWW-Authenticate ("Token") makes a visitor's refusal 401.
    authentication_classes = (TokenAuthentication, SessionAuthentication)
    permission_classes: "Sequence[_PermissionClass]" = (AllowAny,)
    auth_view_class = AuthenticationView
    override_http_methods = False  # chanx's own only answer "ok"
    credentials = (
        Credential(
            name=settings.SESSION_COOKIE_NAME,
            location="cookie",
            description="Django's session cookie, set by signing in at /accounts/login/.",
        ),
        Credential(
            name="Authorization",
            location="header",
            description="Token <key>, the key from manage.py drf_create_token <user>.",
        ),
    )

    def __init__(self, send_message: SendMessageFn) -> None:
        async def send_refusal(message: BaseMessage) -> None:
            if (
                isinstance(message, AuthenticationMessage)
                and message.payload.status_code != 200
            ):
                await send_message(message)

        super().__init__(send_refusal)

    async def authenticate(self, scope: MutableMapping[str, Any]) -> bool:
        """A token's user goes where rules look, its key where ``core.sessions`` does."""
        accepted = await super().authenticate(scope)
        if accepted and self.user is not None and self.user.is_authenticated:
            scope["user"] = self.user
            token = getattr(self.request, "auth", None)  # DRF's: a Token, or None
            scope["token_key"] = getattr(token, "key", None)
        return accepted


def signed_in_user(scope: Mapping[str, Any]) -> AbstractBaseUser | None:
    """The user signed in on this connection, or None for a visitor."""
    user = scope.get("user")
    if isinstance(user, AbstractBaseUser) and user.is_authenticated:
        return user
    return None
