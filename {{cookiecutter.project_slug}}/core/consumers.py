"""``RealtimeConsumer``, the base of every socket here, is chanx's
``AsyncJsonWebsocketConsumer`` with promises of what one client may do and cost:

- **Limits**: a client's frames (``core.limits.client_key``) count over all its sockets
  and processes, per second and minute (``SOCKET_FRAMES_PER_*`` or the class's own);
  one over gets an ``error`` frame ``{"code": "rate_limited", "detail",
  "retry_after"}``, is not handled, and the socket stays open. A socket past
  ``SOCKETS_PER_USER`` or ``SOCKETS_PER_ADDRESS`` open is closed with 4429 and a reason.
- **Sessions**: a socket whose session or token ends (sign-out, password change,
  deactivation, deleted token: ``core.sessions``) is closed with 4401 within a
  second (without a layer: at its next frame, unanswered).
- **Order**: frames are handled one at a time, as they came; a long handler calls
  ``let_next_frame_in`` so that pings are still answered.
- **Membership and slow readers**: however it ends, it leaves every group; a send to a
  client gone is dropped, not raised; one whose sends stall for ``SOCKET_SEND_TIMEOUT``
  s is closed (1008) and logged in one WARNING (``core.sends``).
- **Redis outages**: a socket with a layer is closed with 1013 and a reason
  (``core.outage``); one with ``channel_layer_alias = NO_CHANNEL_LAYER`` stays.
- **Sign-in**: a session or a DRF token (``core.authentication``); a wrong token is
  refused with 4401. A signed-in user's sockets join ``core.sessions.user_group_name``.
- **Cheap**: no database check per layer event, settings read once, no timer per frame.
"""

import asyncio
import contextvars
import logging
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.config import config
from chanx.core.envelope import current_ref
from chanx.core.websocket import ReceiveEvent
from chanx.messages.outgoing import AuthenticationMessage, CompleteMessage, ErrorMessage
from django.conf import settings
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond

from core import limits, outage, sessions
from core.authentication import SessionAuthenticator, signed_in_user
from core.sends import GuardedSend

logger = logging.getLogger(__name__)

# The turn of the frame a handler task is handling (each task has its own).
current_turn: contextvars.ContextVar["asyncio.Future[None] | None"] = (
    contextvars.ContextVar("current_turn", default=None)
)


class RealtimeConsumer(AsyncJsonWebsocketConsumer[ReceiveEvent]):
    authenticator_class = SessionAuthenticator  # a session or a token
    emits = [AuthenticationMessage]  # noqa: RUF012  (only refusals are sent)
    # None: the project-wide SOCKET_FRAMES_PER_SECOND / _PER_MINUTE.
    frames_per_second: int | None = None
    frames_per_minute: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.completion = bool(config.send_completion)
        self.yield_after_send = bool(self.send_message_immediately)
        self.plain_sends = not (self.should_camelize or self.log_websocket_message)
        self.frame_turn: asyncio.Future[None] | None = None
        self.answered = self.close_sent = self.groups_left = False
        self.user_group: str | None = None
        self.sockets_held: list[str] = []  # whose open sockets this one counts in

    @property
    def should_send_completion(self) -> bool:
        return self.completion

    @property
    def client_gone(self) -> bool:  # left, or dropped: nothing reaches it now
        return self.sends.gone

    @property
    def client(self) -> str:  # whom its events count for
        return limits.client_key(self.scope)

    async def __call__(
        self, scope: Any, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        self.sends = GuardedSend(send, settings.SOCKET_SEND_TIMEOUT, scope)
        layered = self.channel_layer_alias in settings.CHANNEL_LAYERS
        watch = outage.redis_outage() if layered else None
        if watch is not None:
            watch.keep_watch(self, self.close_for_outage)
        try:
            await super().__call__(scope, receive, self.sends)
        except asyncio.CancelledError:
            if not self.sends.dropped:
                raise
            self.sends.main_task.uncancel()  # type: ignore[union-attr]
        except Exception as error:
            if not outage.is_redis_failure(error):
                raise
            await self.close_for_outage(error)
            await outage.drop_pooled_connections(self.channel_layer)
        finally:
            if watch is not None:
                watch.forget(self)
            if not self.groups_left:  # ended some other way than a disconnect
                await self.leave_groups()
            for key in self.sockets_held:
                await limits.release("sockets", key)

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        self.answered = True
        await super().accept(subprotocol, headers)

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.answered = self.close_sent = True
        await super().close(code, reason)

    async def close_for_outage(self, error: Exception | None = None) -> None:
        if error is not None:
            outage.report_outage(error)
        if not (self.close_sent or self.sends.gone):
            self.close_sent = True
            await outage.close_try_again_later(self.sends.send, not self.answered)

    async def handle_message_handler_error(
        self, error: Exception, action: str, message: Any
    ) -> None:
        """A handler's Redis failure is the outage's (logged once), not a bug's."""
        if not outage.is_redis_failure(error):
            return await super().handle_message_handler_error(error, action, message)
        await self.close_for_outage(error)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Layer events skip Channels' ``close_old_connections`` in a thread (half a
        server's CPU per broadcast): they only forward to the client."""
        if message["type"].startswith("websocket."):
            await super().dispatch(message)
        elif handler := getattr(self, get_handler_name(message), None):
            await handler(message)
        else:
            raise ValueError(f"No handler for message type {message['type']}")

    async def websocket_connect(self, message: Any) -> None:
        too_many = await limits.hold_socket(self.scope, self.sockets_held)
        if too_many is not None:
            await self.accept()
            await self.close(limits.CLOSE_TOO_MANY_SOCKETS, too_many)
            return
        await super().websocket_connect(message)
        user = signed_in_user(self.scope)
        if user is not None and self.channel_layer is not None and not self._closed:
            # Not one of self.groups, which broadcast_message sends to.
            self.user_group = sessions.user_group_name(user.pk)
            await self.channel_layer.group_add(self.user_group, self.channel_name)

    async def session_ended(self, event: dict[str, Any]) -> None:
        if not self.close_sent and await sessions.session_ended(self.scope, event):
            await self.close(sessions.CLOSE_SIGNED_OUT, sessions.SIGNED_OUT)

    async def websocket_disconnect(self, message: Any) -> None:
        if self.user_group is not None:
            await self.channel_layer.group_discard(self.user_group, self.channel_name)
            self.user_group = None
        try:
            await super().websocket_disconnect(message)
        except StopConsumer:
            self.groups_left = True
            raise

    async def leave_groups(self) -> None:
        self.groups_left = True
        groups = [*self.groups, *filter(None, [self.user_group])]
        for group in groups if hasattr(self, "channel_name") else []:
            try:
                with outage.redis_failure_reported():
                    await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as error:
                logger.warning("Could not leave group %s: %r", group, error)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kw: Any
    ) -> None:
        if self.user_group is None and signed_in_user(self.scope) is not None:
            await self.session_ended({"ended": None})  # no layer: it hears no sign-out
        # Frames sent before a refusal at the handshake: nobody is left to answer.
        if not self._closed and not await self.over_frame_limit():
            await super().receive(text_data, bytes_data, **kw)

    async def over_frame_limit(self) -> bool:
        second = self.frames_per_second or settings.SOCKET_FRAMES_PER_SECOND
        minute = self.frames_per_minute or settings.SOCKET_FRAMES_PER_MINUTE
        periods = [RateLimitItemPerSecond(second), RateLimitItemPerMinute(minute)]
        refusal = await limits.count("frames", self.client, periods, fail_open=True)
        if refusal is not None:
            await self.send_rate_limited("Too many messages", refusal)
            if self.completion:
                await self.send_message(CompleteMessage())
        return refusal is not None

    async def send_rate_limited(
        self, what: str, refusal: limits.Refusal | None = None
    ) -> None:
        """Refuse with code ``rate_limited``, naming the limit and when to retry."""
        path = self.scope["path"]
        payload = await limits.rate_limited(what, refusal, self.client, path)
        await self.send_message(ErrorMessage(payload=payload))

    async def handle_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        # chanx 2.13.0 handles each frame in a task of its own; each waits here
        # for the one before it, so frames are handled in the order they came.
        previous, mine = self.frame_turn, asyncio.get_running_loop().create_future()
        self.frame_turn = mine
        if previous is not None:
            await previous
        token = current_turn.set(mine)
        try:
            await super().handle_json(content, **kwargs)
        finally:
            self.let_next_frame_in()
            current_turn.reset(token)

    def let_next_frame_in(self) -> None:
        """Let the next frame be handled while this one's handler goes on."""
        turn = current_turn.get()
        if turn is not None and not turn.done():
            turn.set_result(None)

    async def send_json(self, content: dict[str, Any], close: bool = False) -> None:
        """chanx's ``send_json``, without re-reading its settings (chanx 2.13.0 does)."""
        if not self.plain_sends or current_ref.get() is not None:
            await super().send_json(content, close)
            return
        await self.send(text_data=await self.encode_json(content), close=close)
        # chanx yields after each send; a layer event's send (in the consumer's
        # own task) is the last thing it does anyway.
        if self.yield_after_send and asyncio.current_task() is not self.sends.main_task:
            await asyncio.sleep(0)
