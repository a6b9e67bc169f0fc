"""What the base consumer costs per delivered message, against plain Channels.

    uv run python scripts/bench_base.py [--bake BAKE] [--rounds 4]
        [--load 200x20 --load 500x10] [--seconds 5]

Variant A is a bake's chat consumer, on ``core.consumers.RealtimeConsumer``.
Variant B is the same chat written on Channels' plain
``AsyncJsonWebsocketConsumer`` with the same skip of Django's database check
for channel-layer events; it is written into B's temporary copy of the bake
only. For each variant, one ``redis-server`` and two servers run with the
Dockerfile's command on 127.0.0.1; ``scripts/loadtest.py`` (with the bake's
Python) fills one room over both servers and sends to it. Each server's CPU
time is read from ``/proc/<pid>/stat`` before and after a run, and the script
prints CPU-seconds per 1,000 delivered messages for A and B, run in ABBA order
over the rounds, and B/A's ratio. Without ``--bake`` it bakes the default
answers into a temporary directory and installs them (``uv sync --locked``).
Every process it starts is stopped by its PID; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
LOADTEST = TEMPLATE / "scripts" / "loadtest.py"
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
TICKS = os.sysconf("SC_CLK_TCK")
# Between the sockets opening and the first message: the servers finish their
# handshakes' work (authentication, joining the room), which is not counted.
PAUSE = 5.0

PLAIN_CHAT = '''"""Variant B of scripts/bench_base.py: the chat on plain Channels."""

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.room = "chat." + self.scope["url_route"]["kwargs"]["room_name"]
        await self.channel_layer.group_add(self.room, self.channel_name)
        self.groups.append(self.room)
        await self.accept()

    async def dispatch(self, message):
        # The same skip of close_old_connections for layer events as variant A.
        if message["type"].startswith("websocket."):
            await super().dispatch(message)
            return
        await getattr(self, get_handler_name(message))(message)

    async def receive_json(self, content, **kwargs):
        if content.get("action") == "ping":
            await self.send_json({"action": "pong", "payload": None})
        elif content.get("action") == "new_chat_message":
            await self.channel_layer.group_send(
                self.room,
                {"type": "chat.message", "message": content, "sender": self.channel_name},
            )

    async def chat_message(self, event):
        if event["sender"] != self.channel_name:
            await self.send_json(event["message"])
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                message = f"{process.args!r} exited with {process.returncode}"
                raise SystemExit(message) from None
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing listens on port {port}") from None
            time.sleep(0.05)


@contextmanager
def started(command: list[str], port: int, **options: object) -> Iterator[int]:
    """Run ``command`` until the block ends; yield its PID once it listens."""
    process = subprocess.Popen(command, **options)  # type: ignore[call-overload]
    try:
        wait_until_listening(port, process)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` so far (fields 14 and 15 of its stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def server_command(bake: Path, port: int) -> list[str]:
    """The Dockerfile's CMD, on 127.0.0.1 and ``port``, with the bake's uvicorn."""
    found = re.search(r"^CMD (\[.*\])\s*$", (bake / "Dockerfile").read_text(), re.M)
    assert found, "the Dockerfile has no CMD in JSON form"
    command: list[str] = json.loads(found[1])
    for flag, value in (("--host", HOST), ("--port", str(port))):
        command[command.index(flag) + 1] = value
    return [str(bake / ".venv" / "bin" / command[0]), *command[1:]]


def copy_of(bake: Path, into: Path, plain: bool) -> Path:
    shutil.copytree(
        bake, into, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.sqlite3")
    )
    (into / ".venv").symlink_to(bake / ".venv")
    if plain:
        (into / "chat" / "consumers" / "chat_consumer.py").write_text(PLAIN_CHAT)
        routing = into / "chat" / "routing.py"
        routing.write_text(
            routing.read_text().replace(
                "from chanx.channels.routing import path",
                "from django.urls import path",
            )
        )
    return into


@contextmanager
def variant(copy: Path, folder: Path) -> Iterator[tuple[list[int], list[str]]]:
    """One redis-server and two servers of ``copy``: their PIDs and URLs."""
    python = str(copy / ".venv" / "bin" / "python")
    redis_port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "REDIS_URL": f"redis://{HOST}:{redis_port}/0",
        "SOCKET_FRAMES_PER_SECOND": "100000",
        "SOCKET_FRAMES_PER_MINUTE": "1000000",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [python, "manage.py", "migrate", "-v", "0"],
        cwd=copy,
        env=environment,
        check=True,
        timeout=120,
    )
    log = (folder / "servers.log").open("ab")
    redis = [
        shutil.which("redis-server") or "redis-server",
        *("--bind", HOST, "--port", str(redis_port)),
        *("--save", "", "--appendonly", "no", "--dir", str(folder)),
    ]
    with ExitStack() as stack:
        stack.enter_context(log)
        stack.enter_context(started(redis, redis_port, stdout=log, stderr=log))
        pids, urls = [], []
        for _ in range(2):
            port = free_port()
            command = server_command(copy, port)
            pids.append(
                stack.enter_context(
                    started(
                        command, port, cwd=copy, env=environment, stdout=log, stderr=log
                    )
                )
            )
            urls.append(f"ws://{HOST}:{port}")
        yield pids, urls


def measure(
    bake_python: str,
    pids: list[int],
    urls: list[str],
    load: tuple[int, int],
    seconds: float,
) -> tuple[float, int]:
    """Run the load test once: the servers' CPU seconds from its first message
    to its last delivery, and the messages delivered."""
    listeners, rate = load
    command = [bake_python, "-u", str(LOADTEST), *(f"--url={url}" for url in urls)]
    command += [
        "--listeners",
        str(listeners),
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines, before, after, summary = [], None, None, ""
    deadline = time.monotonic() + 300 + 2 * seconds
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Sending to "):
                before = sum(cpu_seconds(pid) for pid in pids)
            elif line.startswith("rate "):  # the summary: every delivery is in
                after = sum(cpu_seconds(pid) for pid in pids)
                summary = line
            if time.monotonic() > deadline:
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    found = re.search(r"delivered ([\d,]+) of ([\d,]+)", summary)
    if found is None or before is None or after is None:
        raise SystemExit("the load test failed:\n" + "".join(lines))
    return after - before, int(found[1].replace(",", ""))


def bake_default(folder: Path) -> Path:
    subprocess.run(
        [
            "uv",
            "run",
            "cookiecutter",
            str(TEMPLATE),
            "--no-input",
            "--output-dir",
            str(folder),
        ],
        cwd=TEMPLATE,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )
    bake = next(path for path in folder.iterdir() if (path / "manage.py").is_file())
    subprocess.run(["uv", "sync", "--locked", "-q"], cwd=bake, check=True, timeout=900)
    return bake


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bake", type=Path, help="a bake with chat and its .venv")
    parser.add_argument("--rounds", type=int, default=4, help="ABBA rounds (default 4)")
    parser.add_argument(
        "--load",
        action="append",
        metavar="LISTENERSxRATE",
        help="listeners x messages per second; repeat (default 200x20 and 500x10)",
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="per run (default 5)"
    )
    options = parser.parse_args()
    loads = [
        tuple(map(int, load.split("x")))
        for load in options.load or ["200x20", "500x10"]
    ]
    with tempfile.TemporaryDirectory(prefix="bench-base-") as scratch:
        folder = Path(scratch)
        bake = (options.bake or bake_default(folder / "bake")).resolve()
        bake_python = str(bake / ".venv" / "bin" / "python")
        copies = {
            name: copy_of(bake, folder / name / bake.name, plain=name == "B")
            for name in ("A", "B")
        }
        print(
            f"bake {bake}; {options.rounds} rounds in ABBA order; {options.seconds:g} s a run"
        )
        for listeners, rate in loads:
            results: dict[str, list[float]] = {"A": [], "B": []}
            for round_number in range(options.rounds):
                order = "AB" if round_number % 2 == 0 else "BA"
                for name in order:
                    with variant(copies[name], copies[name].parent) as (pids, urls):
                        cpu, delivered = measure(
                            bake_python, pids, urls, (listeners, rate), options.seconds
                        )
                    per_thousand = 1000 * cpu / max(delivered, 1)
                    results[name].append(per_thousand)
                    print(
                        f"  {listeners}x{rate} round {round_number + 1} {name}: "
                        f"{cpu:.2f} CPU-s, {delivered:,} delivered, "
                        f"{per_thousand:.4f} CPU-s per 1,000"
                    )
            a, b = (statistics.median(results[name]) for name in ("A", "B"))
            print(
                f"{listeners} listeners x {rate} msg/s: A (RealtimeConsumer) {a:.4f}, "
                f"B (plain Channels) {b:.4f} CPU-s per 1,000 delivered (medians); "
                f"A/B = {a / b:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
