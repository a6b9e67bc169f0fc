"""The worker command, run exactly as the README gives it, against Redis.

Only the entry points choose the settings: the worker, like ``config/asgi.py``,
loads production settings unless ``DJANGO_SETTINGS_MODULE`` says otherwise.
Needs Redis (see conftest.py): the worker takes its jobs from ``REDIS_URL``.
"""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from core.tests.processes import stop
from system.tests.workers import wait_until_ready

pytestmark = pytest.mark.redis_processes

# The README's command, after ``uv run``, which finds it in the project's
# environment: the one running these tests.
README_WORKER_COMMAND = re.compile(r"^uv run (celery -A config worker\b[^#\n]*)", re.M)
# settings.LOGGING's format: time, level, logger, message.
LOGGING_LINE = r"^\d\d\d\d-\d\d-\d\d \d\d:\d\d:\d\d,\d\d\d INFO {logger}: {message}$"


def documented_worker_command() -> list[str]:
    readme = (settings.BASE_DIR / "README.md").read_text()
    match = README_WORKER_COMMAND.search(readme)
    assert match, "the README gives no worker command"
    program, *arguments = shlex.split(match.group(1))
    return [str(Path(sys.executable).parent / program), *arguments]


def environment(**variables: str) -> dict[str, str]:
    """This one without any Django setting (the tests' settings module among
    them), with the run's Redis and ``variables``."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_")
    }
    return {**inherited, "REDIS_URL": settings.REDIS_URL, **variables}


def test_without_a_secret_key_the_worker_refuses_to_start() -> None:
    result = subprocess.run(
        documented_worker_command(),
        cwd=settings.BASE_DIR,
        # Set but empty, whatever a .env file says.
        env=environment(DJANGO_SECRET_KEY=""),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "DJANGO_SECRET_KEY is not set" in last_line, result.stderr


def run_until_ready(tmp_path: Path, *options: str, **variables: str) -> str:
    """Start the worker (with ``options``), wait until it is ready, stop it;
    return its output."""
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*documented_worker_command(), *options],
            cwd=settings.BASE_DIR,
            env=environment(
                DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
                DJANGO_ALLOWED_HOSTS="example.com",
                **variables,
            ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(process, log)
    finally:
        stop(process)
    return log.read_text()


@pytest.mark.parametrize(
    ("variables", "settings_in_force"),
    [
        ({}, "config.settings.production (DEBUG is False)"),
        (
            {"DJANGO_SETTINGS_MODULE": "config.settings.dev"},
            "config.settings.dev (DEBUG is True)",
        ),
    ],
    ids=["production-by-default", "as-the-environment-says"],
)
def test_the_worker_runs_on_the_settings_its_entry_point_chooses(
    tmp_path: Path, variables: dict[str, str], settings_in_force: str
) -> None:
    output = run_until_ready(tmp_path, **variables)

    # Said, as every line of the worker, through settings.LOGGING.
    says = LOGGING_LINE.format(
        logger=r"config\.celery",
        message=re.escape(f"Django settings: {settings_in_force}"),
    )
    assert re.search(says, output, re.M), output
    ready = LOGGING_LINE.format(logger=r"celery\.apps\.worker", message=r"\S+ ready\.")
    assert re.search(ready, output, re.M), output


def test_a_worker_running_too_few_jobs_at_once_for_the_flood_promise_says_so(
    tmp_path: Path,
) -> None:
    output = run_until_ready(tmp_path, "--concurrency", "3")

    warning = LOGGING_LINE.replace("INFO", "WARNING").format(
        logger=r"config\.celery",
        message=re.escape(
            "This worker runs 3 job(s) at once, no more than one client may have "
            "waiting (SYSTEM_JOBS_IN_FLIGHT = 3): one client's flood can hold up the "
            "others' jobs. Without --pool and --concurrency it runs 4."
        ),
    )
    assert len(re.findall(warning, output, re.M)) == 1, output
