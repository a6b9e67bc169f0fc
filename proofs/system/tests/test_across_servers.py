"""Two servers sharing one Redis and one worker, as behind a load balancer.

A notice sent from a third process reaches the system sockets of both
servers, and a job queued on either server is answered on the socket that
queued it.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from core.tests.faults import (
    own_redis,
    ping,
    project_environment,
    receive_frame,
    uvicorn,
)
from system.tests.workers import SOCKET, queue, worker

pytestmark = pytest.mark.redis_processes


def test_notices_and_jobs_cross_servers(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = project_environment(
            tmp_path, redis.url, SYSTEM_JOB_DELAY_SCALE="0"
        )
        with (
            uvicorn(tmp_path, environment) as first,
            uvicorn(tmp_path, environment) as second,
            worker(tmp_path, environment, "--pool", "solo"),
        ):
            clients = [first.connect(SOCKET), second.connect(SOCKET)]
            for client in clients:
                ping(client)  # answered once the socket has joined its group

            subprocess.run(
                [sys.executable, "manage.py", "send_notification", "Noon upgrade"],
                cwd=settings.BASE_DIR,
                env=environment,
                check=True,
                capture_output=True,
                timeout=60,
            )

            for client in clients:
                notice = receive_frame(client, "system_notification", timeout=10)
                assert "Noon upgrade" in str(notice["payload"])
            for number, client in enumerate(clients):
                queue(client, "analyze", f"from server {number}")
                result = receive_frame(client, "job_result", timeout=30)
                assert f"from server {number}" in str(result["payload"])
            for client in clients:
                client.close()
