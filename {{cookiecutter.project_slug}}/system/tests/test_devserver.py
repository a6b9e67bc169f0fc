"""``devserver`` runs the worker and the server together and stops them together.

Stand-in programs replace the real ones: the supervision is what is tested.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from system.management.commands import devserver
from system.management.commands.devserver import Command

# Says it is up, then runs until asked to stop, and says so.
GRACEFUL = (
    "import signal, sys, time\n"
    "def stop(*_):\n"
    "    print('stopped', flush=True)\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGTERM, stop)\n"
    "print('up', flush=True)\n"
    "time.sleep(60)\n"
)
# Says it is up once it can no longer be asked to stop.
STUBBORN = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('up', flush=True)\n"
    "time.sleep(60)\n"
)
CRASHING = "import sys; sys.exit(3)"


def program(source: str) -> list[str]:
    return [sys.executable, "-c", source]


@pytest.fixture(autouse=True)
def redis_configured() -> Iterator[None]:
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/0"):
        yield


class Run:
    """One run of ``devserver`` on stand-in programs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, **programs: str) -> None:
        self.monkeypatch = monkeypatch
        self.programs = [(name, program(source)) for name, source in programs.items()]
        self.out = StringIO()
        self.processes: list[subprocess.Popen[str]] = []

    def interrupt_once_up(self) -> None:
        """Press Ctrl+C as soon as every program has said it is up."""

        def wait(command: Command, children: dict[str, subprocess.Popen[str]]) -> str:
            deadline = time.monotonic() + 10
            output = ""
            while time.monotonic() < deadline:
                output = self.out.getvalue()
                if all(f"[{name}] up" in output for name, _ in self.programs):
                    raise KeyboardInterrupt
                time.sleep(0.01)
            raise AssertionError(f"not every program came up:\n{output}")

        self.monkeypatch.setattr(Command, "wait_for_first_exit", wait)

    def __call__(self) -> CommandError | None:
        start = Command.start

        def start_and_record(
            command: Command, argv: list[str]
        ) -> subprocess.Popen[str]:
            process = start(command, argv)
            self.processes.append(process)
            return process

        self.monkeypatch.setattr(Command, "commands", lambda *_: self.programs)
        self.monkeypatch.setattr(Command, "start", start_and_record)
        try:
            call_command("devserver", stdout=self.out, stderr=StringIO())
        except CommandError as error:
            return error
        return None

    @property
    def output(self) -> str:
        return self.out.getvalue()

    def assert_all_gone(self) -> None:
        """Every program has exited, and so has everything it started."""
        for process in self.processes:
            assert process.returncode is not None
            with pytest.raises(ProcessLookupError):
                os.killpg(process.pid, 0)


def test_when_one_program_exits_the_other_is_stopped_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = Run(monkeypatch, worker=CRASHING, server=GRACEFUL)

    error = run()

    assert str(error) == "The worker exited with code 3; stopped the others."
    run.assert_all_gone()


def test_ctrl_c_stops_both_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    run = Run(monkeypatch, worker=GRACEFUL, server=GRACEFUL)
    run.interrupt_once_up()

    error = run()

    assert error is None
    assert "[worker] stopped" in run.output
    assert "[server] stopped" in run.output
    assert run.output.rstrip().endswith("Stopped.")
    run.assert_all_gone()


def test_a_program_that_will_not_stop_is_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(devserver, "STOP_TIMEOUT", 0.1)
    run = Run(monkeypatch, worker=GRACEFUL, server=STUBBORN)
    run.interrupt_once_up()

    run()

    assert "[worker] stopped" in run.output
    assert run.processes[1].returncode == -signal.SIGKILL
    run.assert_all_gone()


def test_it_runs_the_celery_worker_and_runserver() -> None:
    commands = dict(
        Command().commands({"addrport": "127.0.0.1:9000", "loglevel": "info"})
    )

    assert commands["worker"][1:] == [
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "info",
    ]
    assert commands["server"][-2:] == ["runserver", "127.0.0.1:9000"]


def test_without_redis_it_refuses_to_start() -> None:
    with (
        override_settings(REDIS_URL=""),
        pytest.raises(CommandError, match="REDIS_URL is not set"),
    ):
        call_command("devserver", stdout=StringIO())
