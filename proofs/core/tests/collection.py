"""Proof modules that need Redis: left out of a run without it, and said so.

Without Redis they could only be skipped, and a skip in every run without
Redis would hide the skips that matter. The run's summary lists every module
left out. Loaded as a plugin by ``scripts/run_proofs.py``; the meta suite
reads ``NEEDING_REDIS`` too (modules named on the command line are collected
whatever this plugin says).
"""

from pathlib import Path

import pytest

NEEDING_REDIS = {
    "core/tests/test_readiness_outage.py",
    "chat/tests/test_chat_outage.py",
    "chat/tests/test_load.py",
    "chat/tests/test_membership.py",
    "chat/tests/test_room_flood.py",
    "chat/tests/test_session_end.py",
    "chat/tests/test_storm.py",
    "chat/tests/test_resync.py",
    "assistants/tests/test_assistant_outage.py",
    "system/tests/test_across_servers.py",
    "system/tests/test_flood.py",
    "system/tests/test_shutdown.py",
    "system/tests/test_job_faults.py",
    "system/tests/test_redis_channel_layer.py",
    "system/tests/test_worker.py",
    # Starts a Redis of its own, but holds port 8000 (Procfile.dev's): once
    # per meta-suite run, in the Redis shard.
    "system/tests/test_procfile.py",
    "deploy/tests/test_proxy.py",
}
LEFT_OUT: list[str] = []


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    from django.conf import settings

    if settings.REDIS_URL:
        return None
    relative = collection_path.relative_to(settings.BASE_DIR).as_posix()
    if relative not in NEEDING_REDIS:
        return None
    LEFT_OUT.append(relative)
    return True


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEFT_OUT:
        terminalreporter.write_line(
            f"Not collected (they need Redis: set REDIS_URL): {', '.join(LEFT_OUT)}."
        )
