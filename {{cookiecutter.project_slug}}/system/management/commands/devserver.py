"""Run a Celery worker and the development server together.

    python manage.py devserver [addrport]

Starts ``celery -A config worker`` and ``manage.py runserver``, shows the output
of both with each line prefixed by its name, and stops both on Ctrl+C (or
SIGTERM) or as soon as either one exits. Each reloads on code changes: the
server by itself, the worker through watchfiles (which uvicorn[standard]
brings), which restarts it whenever a Python file of the project changes. Each
runs in a process group of its own, so stopping one stops its children too
(runserver's reloader, the worker's watcher and pool); that is POSIX only.
"""

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from collections.abc import Generator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# How long each program gets to stop on its own before it is killed.
STOP_TIMEOUT = 10.0


class Command(BaseCommand):
    help = "Run a Celery worker and the development server; Ctrl+C stops both."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default="127.0.0.1:8000",
            help="where the server listens (default: 127.0.0.1:8000)",
        )

    def commands(self, options: dict[str, Any]) -> list[tuple[str, list[str]]]:
        """The programs to run, by the name that prefixes their output."""
        manage_py = str(settings.BASE_DIR / "manage.py")
        worker = [sys.executable, "-m", "celery", "-A", "config", "worker"]
        return [
            ("worker", reloading(worker, settings.BASE_DIR)),
            ("server", [sys.executable, manage_py, "runserver", options["addrport"]]),
        ]

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                "REDIS_URL is not set. The worker and the server are two processes "
                "and jobs and their results travel between them only through "
                "Redis: start Redis and set REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
                ", or use `manage.py runserver` alone, where jobs are refused."
            )

        children: dict[str, subprocess.Popen[str]] = {}
        relays: list[threading.Thread] = []
        failure: str | None = None
        with self.sigterm_as_interrupt():
            try:
                for name, argv in self.commands(options):
                    children[name] = self.start(argv)
                    relay = threading.Thread(
                        target=self.relay, args=(name, children[name]), daemon=True
                    )
                    relay.start()
                    relays.append(relay)
                self.stdout.write(
                    "Worker and server started; Ctrl+C stops both.", self.style.SUCCESS
                )
                name = self.wait_for_first_exit(children)
                code = children[name].returncode
                failure = f"The {name} exited with code {code}; stopped the others."
            except KeyboardInterrupt:
                self.stdout.write("Stopping the worker and the server…")
            finally:
                self.stop(children)
        for relay in relays:
            relay.join(timeout=1)
        if failure:
            raise CommandError(failure)
        self.stdout.write("Stopped.", self.style.SUCCESS)

    def start(self, argv: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            argv,
            cwd=settings.BASE_DIR,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Its own process group: terminal signals reach only this command,
            # which then stops each program with all of its children.
            start_new_session=True,
        )

    def relay(self, name: str, process: subprocess.Popen[str]) -> None:
        """Copy a program's output here, each line prefixed with its name."""
        assert process.stdout is not None
        for line in process.stdout:
            self.stdout.write(f"[{name}] {line.rstrip()}")

    def wait_for_first_exit(self, children: dict[str, subprocess.Popen[str]]) -> str:
        while True:
            for name, process in children.items():
                if process.poll() is not None:
                    return name
            time.sleep(0.1)

    def stop(self, children: dict[str, subprocess.Popen[str]]) -> None:
        """Ask every program to stop, then kill what lingers.

        SIGTERM, which Celery and runserver both take as a clean shutdown, and
        which, unlike SIGINT, a program started in the background still gets.
        """
        for process in children.values():
            signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in children.values():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                signal_group(process, signal.SIGKILL)
                process.wait()

    @contextmanager
    def sigterm_as_interrupt(self) -> Generator[None, None, None]:
        """Let SIGTERM stop the programs too, instead of orphaning them."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def interrupt(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, interrupt)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)


def reloading(argv: list[str], root: Path) -> list[str]:
    """``argv`` under watchfiles: restarted when a Python file under ``root`` changes."""
    return [
        *(sys.executable, "-m", "watchfiles", "--filter", "python"),
        *("--target-type", "command", shlex.join(argv), str(root)),
    ]


def signal_group(process: subprocess.Popen[str], signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
