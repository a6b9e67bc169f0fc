"""Test modules that need Redis: left out of a run without it, and said so.

Without Redis they could only be skipped, and a skip in every run without
Redis would hide the skips that matter. An app's ``tests/conftest.py`` names
its own::

    collect_ignore = needing_redis(__file__, ["test_load.py"])

and the run's summary lists every module left out. Loaded as a plugin by the
root ``conftest.py``.
"""

from pathlib import Path

import pytest
from django.conf import settings

LEFT_OUT: list[str] = []


def needing_redis(conftest: str, modules: list[str]) -> list[str]:
    """The ``modules`` beside ``conftest`` to leave out: all without
    ``REDIS_URL``, none with it."""
    if settings.REDIS_URL:
        return []
    folder = Path(conftest).parent.relative_to(settings.BASE_DIR)
    LEFT_OUT.extend(f"{folder.as_posix()}/{module}" for module in modules)
    return modules


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEFT_OUT:
        terminalreporter.write_line(
            f"Not collected (they need Redis: set REDIS_URL): {', '.join(LEFT_OUT)}."
        )
