"""Jobs through real faults: uvicorn, a Celery worker and a Redis of their own.

Redis stopped and started again: the system socket is closed with a code and
a reason, and a new one queues jobs at once; the server logs the outage once
as it starts and once as it ends. A worker killed in the middle of
a job: the job goes back on the queue and the next worker answers it. A job
past its time limit is answered with an error. A job running as Redis
restarts: its result waits for its owner's next socket, and the worker (as
shipped: prefork, processes to spare) goes on taking jobs, logging one line
for the result it could not send.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from core.outage import CLOSE_TRY_AGAIN_LATER, LAYER_UNAVAILABLE
from core.tests.faults import (
    REDIS_LAYERS,
    RedisServer,
    own_redis,
    project_environment,
    receive_frame,
    refusal_of,
    uvicorn,
    wait_for_close,
)
from core.tests.outage_logs import (
    LOGGED,
    assert_one_outage_logged,
    wait_until_redis_is_back,
)
from system.tests.workers import SOCKET, job_owner_sessions, job_socket, queue, worker

pytestmark = pytest.mark.redis_processes

# Jobs take half their usual time: generate, the longest, 2 s.
DELAY_SCALE = "0.5"
# What a worker on the solo pool says as it starts (config.celery).
SOLO_POOL_WARNING = (
    "This worker runs 1 job(s) at once, no more than one client may have waiting "
    "(SYSTEM_JOBS_IN_FLIGHT = 3): one client's flood can hold up the others' jobs. "
    "Without --pool and --concurrency it runs 4."
)


def system_environment(folder: Path, redis: RedisServer) -> dict[str, str]:
    return project_environment(folder, redis.url, SYSTEM_JOB_DELAY_SCALE=DELAY_SCALE)


@pytest.mark.parametrize("layer", REDIS_LAYERS, ids=["core", "pubsub"])
def test_a_redis_restart_closes_the_socket_and_jobs_work_again(
    tmp_path: Path, layer: str
) -> None:
    with own_redis(tmp_path) as redis:
        environment = project_environment(
            tmp_path, redis.url, layer, SYSTEM_JOB_DELAY_SCALE="0"
        )
        with (
            uvicorn(tmp_path, environment) as server,
            worker(tmp_path, environment, "--pool", "solo"),
        ):
            client = server.connect(SOCKET)
            queue(client, "analyze", "before")
            assert "before" in str(receive_frame(client, "job_result")["payload"])

            redis.stop()

            assert wait_for_close(client) == (CLOSE_TRY_AGAIN_LATER, LAYER_UNAVAILABLE)
            assert refusal_of(server, SOCKET) == (
                CLOSE_TRY_AGAIN_LATER,
                LAYER_UNAVAILABLE,
            )

            redis.start()

            # The worker reconnects by itself; the first new socket works.
            client = server.connect(SOCKET)
            queue(client, "analyze", "after")
            result = receive_frame(client, "job_result", timeout=30)
            assert "after" in str(result["payload"])
            client.close()
            wait_until_redis_is_back(server.log)
        assert_one_outage_logged(server.log)
        assert_the_worker_logged_one_outage(next(tmp_path.glob("worker-*.log")))


def assert_the_worker_logged_one_outage(log: Path) -> None:
    """One WARNING as Redis goes, one INFO as it is back, no traceback: each failed
    reconnect between is DEBUG (config.celery.QuietBrokerOutage)."""
    text = log.read_text()
    assert "Traceback" not in text, text
    lines = [line.groupdict() for line in LOGGED.finditer(text)]
    loud = [line for line in lines if line["level"] in ("WARNING", "ERROR", "CRITICAL")]
    assert [line["message"] for line in loud] == [
        SOLO_POOL_WARNING,
        "consumer: Connection to broker lost. Trying to re-establish the "
        "connection... (network:ConnectionError)",
    ], text
    lost = lines.index(loud[1])
    back = [line for line in lines[lost:] if line["message"].startswith("Connected to")]
    assert len(back) == 1, text


def test_a_job_whose_worker_is_killed_is_answered_by_the_next(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = system_environment(tmp_path, redis)
        with uvicorn(tmp_path, environment) as server:
            client = server.connect(SOCKET)
            with worker(tmp_path, environment, "--pool", "solo") as doomed:
                queue(client, "generate", "weather")
                # Mid-job: generate takes 2 s; the job is taken at once.
                time.sleep(1)
                os.kill(doomed.pid, signal.SIGKILL)
                doomed.wait(timeout=10)
            with worker(tmp_path, environment, "--pool", "solo"):
                # Handed out again once the visibility timeout has passed since
                # the dead worker took it (14 s at this delay scale).
                result = receive_frame(client, "job_result", timeout=40)
            assert "Generated answer to 'weather'" in str(result["payload"])
            client.close()


def test_a_job_past_its_time_limit_is_answered_with_an_error(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = system_environment(tmp_path, redis)
        # A worker whose time limits are cut below this 2 s job's length.
        impatient = project_environment(
            tmp_path / "worker",
            redis.url,
            overrides=("CELERY_TASK_SOFT_TIME_LIMIT = 1\nCELERY_TASK_TIME_LIMIT = 3\n"),
            SYSTEM_JOB_DELAY_SCALE=DELAY_SCALE,
        )
        with (
            uvicorn(tmp_path, environment) as server,
            worker(tmp_path, impatient, "--pool", "prefork", "--concurrency", "1"),
        ):
            client = server.connect(SOCKET)
            queue(client, "generate", "slowly")

            result = receive_frame(client, "job_result", timeout=20)

            assert str(result["payload"]).startswith("The generate job could not run")
            assert "SoftTimeLimitExceeded" in str(result["payload"])
            client.close()


def test_a_job_running_as_redis_restarts_keeps_its_result_and_the_worker_runs_on(
    tmp_path: Path,
) -> None:
    """The job ends while Redis is down: its answer cannot be sent, so it is
    kept for its owner's next socket (the page's session owns it). The worker
    takes the jobs queued afterwards, which end in their own time."""
    with own_redis(tmp_path) as redis:
        environment = system_environment(tmp_path, redis)
        (session,) = job_owner_sessions(environment, 1)
        with uvicorn(tmp_path, environment) as server, worker(tmp_path, environment):
            client = job_socket(server, session)
            queue(client, "generate", "across")  # 2 s, taken at once
            time.sleep(0.5)

            redis.stop()
            assert wait_for_close(client)[0] == CLOSE_TRY_AGAIN_LATER
            redis.start()  # the job has ended meanwhile

            client = job_socket(server, session)
            kept = receive_frame(client, "job_result", timeout=10)
            assert "Generated answer to 'across'" in str(kept["payload"]), kept
            for content in ("after", "later"):
                queue(client, "generate", content)
            answers = [receive_frame(client, "job_result", timeout=30) for _ in "ab"]
            answered = sorted(
                str(answer["payload"]).split(":")[0] for answer in answers
            )
            assert answered == [
                "Generated answer to 'after'",
                "Generated answer to 'later'",
            ]
            client.close()
        log = next(tmp_path.glob("worker-*.log")).read_text()
    assert "Traceback" not in log and "TimeLimitExceeded" not in log, log
    loud = [
        line["message"]
        for line in LOGGED.finditer(log)
        if line["level"] in ("WARNING", "ERROR", "CRITICAL")
    ]
    assert len(loud) == 2, log
    assert loud[0].startswith("consumer: Connection to broker lost"), log
    assert loud[1].startswith("The result of the job "), log
    assert loud[1].endswith("; it is kept for its owner's next socket."), log
