"""A server stopped with jobs in flight logs each job whose result is now lost.

No worker runs, so ten jobs queued on four sockets all wait; SIGTERM closes the
sockets (1012) and the log holds one "cannot be delivered" WARNING per job.
"""

import re
from pathlib import Path

import pytest

from core.tests.faults import own_redis, project_environment, uvicorn
from system.tests.workers import SOCKET, queue

pytestmark = pytest.mark.redis_processes

JOBS, SOCKETS = 10, 4


def test_every_job_in_flight_at_shutdown_is_logged(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = project_environment(
            tmp_path, redis.url, SYSTEM_JOBS_IN_FLIGHT=str(JOBS)
        )
        with uvicorn(tmp_path, environment) as server:
            sockets = [server.connect(SOCKET) for _ in range(SOCKETS)]
            for number in range(JOBS):
                queue(sockets[number % SOCKETS], "translate", f"job {number}")
        logged = server.log.read_text()

    lost = re.findall(
        r"The result of the translate job (\S+) cannot be delivered", logged
    )
    assert len(set(lost)) == len(lost) == JOBS, logged
