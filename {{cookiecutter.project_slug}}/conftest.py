"""Fixtures shared by every app's tests."""

import pytest
from channels.layers import get_channel_layer


@pytest.fixture(scope="session", autouse=True)
def channel_layer_loaded() -> None:
    """Load the channel layer before any test connects a socket.

    The first connect would otherwise import it, and Redis' client is big: on
    a busy machine that alone can outlast a test's one-second connect timeout.
    """
    get_channel_layer()
