"""A stand-in for a server whose shared thread pool is taken up by others."""

import asyncio
import threading
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager


@asynccontextmanager
async def default_executor_stalled() -> AsyncGenerator[None, None]:
    """Give this event loop a one-thread default executor and hold its thread.

    Anything that waits on the loop's default executor (``asyncio.to_thread``,
    ``sync_to_async(thread_sensitive=False)`` without an executor) waits until
    the block ends; whatever has threads of its own carries on.
    """
    loop = asyncio.get_running_loop()
    release = threading.Event()
    executor = ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(executor)
    stalled = loop.run_in_executor(None, release.wait, 30)
    try:
        yield
    finally:
        release.set()
        await stalled
        executor.shutdown()
