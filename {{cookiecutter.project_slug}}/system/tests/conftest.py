"""Tests of a Redis-only property are collected only when Redis is the layer.

Without Redis they could only be skipped, and a skip in every run without
Redis would hide the skips that matter. They are left out instead, and the
run says so in its summary.
"""

import pytest
from django.conf import settings

REDIS_ONLY = ["test_redis_channel_layer.py"]

redis_is_the_channel_layer = "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
collect_ignore = [] if redis_is_the_channel_layer else REDIS_ONLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if collect_ignore:
        terminalreporter.write_line(
            f"Not collected: system/tests/{', '.join(collect_ignore)} "
            "(needs the Redis channel layer: set REDIS_URL)."
        )
