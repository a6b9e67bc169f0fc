"""Chat tests that need Redis, collected only when REDIS_URL is set: the load
and membership tests start two servers that share it, the outage tests fault a
Redis of their own.

Without Redis they could only be skipped, and a skip in every run without
Redis would hide the skips that matter: they are left out instead, and the run
says so in its summary.
"""

import pytest
from django.conf import settings

REDIS_ONLY = ["test_chat_outage.py", "test_load.py", "test_membership.py"]

collect_ignore = [] if settings.REDIS_URL else REDIS_ONLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if collect_ignore:
        terminalreporter.write_line(
            f"Not collected: chat/tests/{', '.join(collect_ignore)} "
            "(needs Redis: set REDIS_URL)."
        )
