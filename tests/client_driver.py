"""Drive a bake's live server with the client ``chanx generate-client`` made from
its AsyncAPI schema, as a program outside the project would.

Run with the bake's Python:
``client_driver.py <generated package dir> <ws base url> <app>...``.
The last line of output is a JSON report: for each app what answered a ping,
and for chat what another member of the room received. The meta suite judges it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

from pydantic import BaseModel

TIMEOUT = 10.0
ROOM = {"room_name": "lobby"}


def recording(client_class: type[Any]) -> type[Any]:
    """The generated client, keeping what it receives instead of ignoring it."""

    class Recording(client_class):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.received: asyncio.Queue[BaseModel | dict[str, Any]] = asyncio.Queue()
            self.ready = asyncio.Event()
            self.connection_error: Exception | None = None

        async def send_init_message(self) -> None:
            self.ready.set()

        async def handle_message(self, message: BaseModel) -> None:
            await self.received.put(message)

        async def handle_invalid_message(self, invalid_message: Any) -> None:
            await self.received.put({"invalid": invalid_message})

        async def handle_websocket_connection_error(self, e: Exception) -> None:
            self.connection_error = e
            self.ready.set()

    return Recording


@asynccontextmanager
async def connected(
    channel: ModuleType, base_url: str, path_params: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    """A client of ``channel``'s socket, connected until the block ends."""
    client_class = next(
        value
        for name, value in vars(channel).items()
        if name.endswith("Client") and isinstance(value, type)
    )
    client = recording(client_class)(base_url, path_params=path_params)
    listening = asyncio.create_task(client.handle())
    await asyncio.wait_for(client.ready.wait(), TIMEOUT)
    if client.connection_error is not None:
        raise client.connection_error
    try:
        yield client
    finally:
        await client.disconnect()
        await asyncio.wait_for(listening, TIMEOUT)


def message_class(union: Any, action: str) -> type[BaseModel]:
    """The member of a generated message union sent with ``action``."""
    for member in get_args(union) or (union,):
        if member.model_fields["action"].default == action:
            return member
    raise LookupError(f"no {action!r} message in {union}")


def describe(message: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(message, BaseModel):
        return {"class": type(message).__name__, **message.model_dump()}
    return message


async def next_message(client: Any) -> dict[str, Any]:
    return describe(await asyncio.wait_for(client.received.get(), TIMEOUT))


async def ping(client: Any, channel: ModuleType) -> dict[str, Any]:
    await client.send_message(message_class(channel.OutgoingMessage, "ping")())
    return await next_message(client)


async def drive(package: str, base_url: str, apps: list[str]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for app in apps:
        channel = importlib.import_module(f"{package}.{app}")
        if app == "chat":
            async with (
                connected(channel, base_url, ROOM) as sender,
                connected(channel, base_url, ROOM) as member,
            ):
                said = channel.ChatMessagePayload(
                    message="Hello from the typed client", name="alice"
                )
                await sender.send_message(channel.NewChatMessage(payload=said))
                report["chat relay"] = await next_message(member)
                report[app] = await ping(sender, channel)
        else:
            async with connected(channel, base_url) as client:
                report[app] = await ping(client, channel)
    return report


def main() -> None:
    package_dir = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(package_dir.parent))
    report = asyncio.run(drive(package_dir.name, sys.argv[2], sys.argv[3:]))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
