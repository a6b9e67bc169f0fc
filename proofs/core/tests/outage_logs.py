"""What a server's log file says about a Redis outage it went through.

An outage costs one WARNING as it starts and one INFO once Redis answers
again (``core.outage_log``), with no traceback, however many sockets it
closes and however long it lasts.
"""

import re
import time
from pathlib import Path

# A line of settings.LOGGING's format: time, level, logger, message.
LOGGED = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<logger>\S+): "
    r"(?P<message>.*)$",
    re.M,
)
BACK = "Redis answers again"
# The outage module pings Redis every second, from a busy machine.
BACK_WITHIN = 15.0


def wait_until_redis_is_back(log: Path) -> None:
    """Return once the server has logged that Redis answers again."""
    deadline = time.monotonic() + BACK_WITHIN
    while BACK not in log.read_text():
        assert time.monotonic() < deadline, f"never logged {BACK!r}:\n{log.read_text()}"
        time.sleep(0.1)


def assert_one_outage_logged(log: Path) -> None:
    text = log.read_text()
    assert "Traceback" not in text, text
    lines = [line.groupdict() for line in LOGGED.finditer(text)]
    loud = [line for line in lines if line["level"] in ("WARNING", "ERROR", "CRITICAL")]
    assert [(line["level"], line["logger"]) for line in loud] == [
        ("WARNING", "core.outage")
    ], text
    assert loud[0]["message"].startswith("Redis does not answer"), text
    news = [
        line["message"]
        for line in lines
        if line["level"] == "INFO" and line["logger"] == "core.outage"
    ]
    assert len(news) == 1, text
    assert news[0].startswith(BACK), text
