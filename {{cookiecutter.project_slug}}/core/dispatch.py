"""Channel-layer events without Channels' database check before each one.

Channels' consumers run Django's ``close_old_connections`` in another thread
before every message they handle, in case the handler uses the database. A
handler that forwards a broadcast to its client does not, and that thread hop
was half of a server's CPU per delivered message in the fan-out benchmark
(README, "Load and capacity"). Database calls made the supported way, through
``database_sync_to_async``, still close old connections around each call.
"""

from typing import TYPE_CHECKING, Any

from channels.consumer import AsyncConsumer, get_handler_name

if TYPE_CHECKING:
    _Consumer = AsyncConsumer
else:
    _Consumer = object


class LayerEventsWithoutDatabaseCheck(_Consumer):
    """Mix in before the consumer class: events from the channel layer go
    straight to their handler; the client's own messages (``websocket.*``:
    connect, frames, disconnect) keep Channels' check."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"].startswith("websocket."):
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
