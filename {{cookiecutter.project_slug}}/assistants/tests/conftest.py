"""The assistants tests that fault Redis are collected only when REDIS_URL is set.

They start a Redis of their own, but a run without REDIS_URL is one without
Redis as far as the project knows; see system/tests/conftest.py.
"""

import pytest
from django.conf import settings

REDIS_ONLY = ["test_assistant_outage.py"]

collect_ignore = [] if settings.REDIS_URL else REDIS_ONLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if collect_ignore:
        terminalreporter.write_line(
            f"Not collected: assistants/tests/{', '.join(collect_ignore)} (needs Redis: set REDIS_URL)."
        )
