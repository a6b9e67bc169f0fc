"""Fixtures shared by every app's tests."""

import pytest
from channels.layers import get_channel_layer

pytest_plugins = [
    # A live server and headless Chromium for the browser tests (pytest -m e2e).
    "core.tests.browser",
    # The documented production server, shared by the tests that talk to one.
    "core.tests.servers",
    # Which Redis-only test modules a run without Redis left out.
    "core.tests.collection",
]


@pytest.fixture(scope="session", autouse=True)
def channel_layer_loaded() -> None:
    """Load the channel layer before any test connects a socket.

    The first connect would otherwise import it, and Redis' client is big: on
    a busy machine that alone can outlast a test's one-second connect timeout.
    """
    get_channel_layer()
