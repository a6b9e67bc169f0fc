"""The in-memory channel layer delivers what other threads send, at once."""

import asyncio
import threading
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull

from system.tests.channel_layers import ThreadSafeInMemoryChannelLayer

# Long enough that waiting out the timeout is never mistaken for a delivery.
PATIENCE = 2.0
PROMPTLY = 0.5


def send_from_another_thread(coroutine: Any) -> None:
    """Run ``coroutine`` on a thread with its own event loop, as sync code does."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@async_to_sync
async def receive_sent_from_another_thread(
    layer: ThreadSafeInMemoryChannelLayer, *, to_group: bool
) -> tuple[dict[str, Any], float]:
    channel = await layer.new_channel()
    await layer.group_add("listeners", channel)
    receiving = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0.05)  # the receiver is now waiting on its queue

    message = {"type": "greeting", "text": "hello"}
    if to_group:
        sending = layer.group_send("listeners", message)
    else:
        sending = layer.send(channel, message)
    # Nothing on this loop waits for the sender: only the layer can wake it.
    sender = threading.Thread(target=asyncio.run, args=(sending,))
    started = time.monotonic()
    sender.start()
    received = await asyncio.wait_for(receiving, timeout=PATIENCE)
    elapsed = time.monotonic() - started
    await asyncio.to_thread(sender.join)
    return received, elapsed


def test_a_send_from_another_thread_wakes_the_receiver_at_once() -> None:
    layer = ThreadSafeInMemoryChannelLayer()

    received, elapsed = receive_sent_from_another_thread(layer, to_group=False)

    assert received == {"type": "greeting", "text": "hello"}
    assert elapsed < PROMPTLY


def test_a_group_send_from_another_thread_wakes_the_receiver_at_once() -> None:
    layer = ThreadSafeInMemoryChannelLayer()

    received, elapsed = receive_sent_from_another_thread(layer, to_group=True)

    assert received == {"type": "greeting", "text": "hello"}
    assert elapsed < PROMPTLY


def test_sends_on_the_receivers_own_loop_still_work() -> None:
    layer = ThreadSafeInMemoryChannelLayer()

    @async_to_sync
    async def round_trip() -> dict[str, Any]:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "first"})
        receiving = asyncio.create_task(layer.receive(channel))
        first = await receiving
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0)
        await layer.send(channel, {"type": "second"})
        second = await asyncio.wait_for(receiving, timeout=PATIENCE)
        return {"first": first, "second": second}

    assert round_trip() == {"first": {"type": "first"}, "second": {"type": "second"}}


def test_a_full_channel_is_reported_to_the_other_thread() -> None:
    layer = ThreadSafeInMemoryChannelLayer(capacity=1)

    @async_to_sync
    async def overfill() -> None:
        channel = await layer.new_channel()
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0)
        await layer.send(channel, {"type": "taken"})
        await receiving  # the receiver's loop is now known
        await layer.send(channel, {"type": "fills"})
        await asyncio.to_thread(
            send_from_another_thread, layer.send(channel, {"type": "overflows"})
        )

    with pytest.raises(ChannelFull):
        overfill()


def test_flush_forgets_everything() -> None:
    layer = ThreadSafeInMemoryChannelLayer()

    @async_to_sync
    async def flushed() -> bool:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "stale"})
        await layer.flush()
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0.05)
        waiting = not receiving.done()
        receiving.cancel()
        return waiting

    assert flushed()
