"""``devserver`` runs the worker and the server together and stops them together.

Stand-in programs replace the real ones: the supervision is what is tested.
"""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from system.management.commands import devserver
from system.management.commands.devserver import Command, reloading

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


def test_it_runs_the_celery_worker_reloading_and_runserver() -> None:
    commands = dict(Command().commands({"addrport": "127.0.0.1:9000"}))

    worker = [sys.executable, "-m", "celery", "-A", "config", "worker"]
    assert commands["worker"] == reloading(worker, settings.BASE_DIR)
    assert commands["server"][-2:] == ["runserver", "127.0.0.1:9000"]


def test_a_reloading_program_restarts_when_python_code_changes(
    tmp_path: Path,
) -> None:
    process = subprocess.Popen(
        reloading(program(GRACEFUL), tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(process, lines), daemon=True)
    reader.start()
    try:
        wait_for_line(lines, "up")
        (tmp_path / "tasks.py").write_text("edited = True\n")
        wait_for_line(lines, "up")  # started again
    finally:
        devserver.signal_group(process, signal.SIGTERM)
        process.wait(timeout=10)
        reader.join(timeout=1)


def read_lines(process: subprocess.Popen[str], lines: "queue.Queue[str]") -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line.strip())


def wait_for_line(
    lines: "queue.Queue[str]", expected: str, timeout: float = 20
) -> None:
    deadline = time.monotonic() + timeout
    seen = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line == expected:
            return
        seen.append(line)
    raise AssertionError(f"no line {expected!r} in {timeout} s; saw {seen}")


def test_without_redis_it_refuses_to_start() -> None:
    with (
        override_settings(REDIS_URL=""),
        pytest.raises(CommandError, match="REDIS_URL is not set"),
    ):
        call_command("devserver", stdout=StringIO())
