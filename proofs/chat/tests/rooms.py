"""Chat rooms for the tests that run real servers: fresh rooms, members, messages."""

import json
import secrets

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from core.tests.processes import HOST

# Generous, for a busy machine: a failure, not slowness, is what is tested.
OPEN_TIMEOUT = 60.0


def new_room() -> str:
    return f"load-{secrets.token_hex(4)}"


async def join(port: int, room: str, address: str | None = None) -> ClientConnection:
    """A member of ``room``; from ``address`` as a proxy on 127.0.0.1 would say
    (uvicorn believes X-Forwarded-For from there), else from 127.0.0.1."""
    forwarded = {"X-Forwarded-For": address} if address else None
    return await connect(
        f"ws://{HOST}:{port}/ws/chat/{room}/",
        origin=Origin(f"http://{HOST}:{port}"),
        open_timeout=OPEN_TIMEOUT,
        additional_headers=forwarded,
    )


def chat_frame(message: str, name: str = "tester") -> str:
    return json.dumps(
        {"action": "new_chat_message", "payload": {"message": message, "name": name}}
    )
