"""Fixtures shared by every app's tests."""

import pytest
from channels.layers import get_channel_layer


@pytest.fixture(scope="session", autouse=True)
def channel_layer_loaded() -> None:
    """Load the channel layer (Redis' client is big) before a test connects: on a
    busy machine importing it can outlast a test's one-second connect timeout."""
    get_channel_layer()
