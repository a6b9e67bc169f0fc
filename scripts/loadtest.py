"""Measure a chat room's fan-out against running servers.

BAKE/.venv/bin/python scripts/loadtest.py --url ws://127.0.0.1:8000 \\
    --url ws://127.0.0.1:8001 --listeners 500 --rate 10 --seconds 10
BAKE/.venv/bin/python scripts/loadtest.py --listeners 100 --rate 50 --find-max

Listeners join one room, spread over the servers in turn; senders post to it at
a steady rate (chat never echoes a message to its sender). It prints what each
second delivered, then delivered against expected and the latency from send to
receipt. ``--find-max`` raises the rate until something is lost and reports the
highest rate that lost nothing. Latency includes this client's own work: run it
on another machine than the servers for figures that are theirs alone.

A plain script of the template, run with a bake's Python (it needs only the
``websockets`` client every bake's dev tools bring): a chat room is the
broadcast socket anyone may join, so it measures bakes with the chat app.
"""

import asyncio
import json
import math
import re
import secrets
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

# The chat app's room names (chat.consumers.chat_consumer.ROOM_NAME).
ROOM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")


class CommandError(Exception):
    """A run that failed, or could not start: its message is printed."""


# Bounds that keep one run from outlasting anyone's patience.
MAX_LISTENERS = 20_000
MAX_RATE = 100_000.0
MAX_SECONDS = 600.0
MAX_FIND_STEPS = 12
CONNECT_TIMEOUT = 20.0
# How many handshakes are in flight at once while the room fills up.
CONNECT_CONCURRENCY = 100

# Between two trials: the longest wait for a backlog to arrive, and the pause
# with nothing arriving that means it has.
SETTLE_SECONDS = 60.0
QUIET_SECONDS = 1.0

SENDER_NAME = "loadtest"

T = TypeVar("T", int, float)


def bounded(kind: Callable[[str], T], low: T, high: T, what: str) -> Callable[[str], T]:
    """An argparse type: ``kind`` within [low, high], or a message saying so."""

    def parse(value: str) -> T:
        try:
            number: T | None = kind(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ArgumentTypeError(
                f"must be {what} from {low} to {high}, not {value!r}"
            )
        return number

    return parse


def server_url(value: str) -> str:
    """A server's ``ws://`` or ``wss://`` address, without a path."""
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ArgumentTypeError(
            f"must be a server address such as ws://127.0.0.1:8000, not {value!r}"
        )
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ArgumentTypeError(
            f"must be the server only (the room's path is added), not {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def room_name(value: str) -> str:
    if not ROOM_NAME.fullmatch(value):
        raise ArgumentTypeError(
            f"must be 1-80 letters, digits, '-', '_' or '.', not {value!r}"
        )
    return value


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted, non-empty list."""
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass
class Trial:
    """One run at one rate: what was sent, and what came back when."""

    number: int
    rate: float
    messages: int
    listeners: int
    sent_at: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    started: float = 0.0
    last_delivery: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def expected(self) -> int:
        """Deliveries owed: every accepted message to every listener."""
        return (len(self.sent_at) - self.refused.total()) * self.listeners

    @property
    def lost(self) -> int:
        return self.expected - len(self.latencies)

    @property
    def p99(self) -> float:
        """The 99th percentile latency in seconds (infinite with no deliveries)."""
        if not self.latencies:
            return math.inf
        return percentile(sorted(self.latencies), 0.99)

    def passes(self, max_p99: float | None) -> bool:
        """Nothing lost or refused, and fast enough if a bound is given."""
        fast_enough = max_p99 is None or self.p99 <= max_p99
        return self.lost == 0 and not self.refused and fast_enough

    def summary(self) -> str:
        delivered = len(self.latencies)
        line = (
            f"rate {self.rate:g} msg/s x {self.listeners} listeners: "
            f"delivered {delivered:,} of {self.expected:,} ({self.lost:,} lost)"
        )
        if self.latencies:
            ordered = sorted(self.latencies)
            # What the servers kept up with, from the first send to the last
            # delivery: below the offered rate when a backlog built up.
            throughput = delivered / max(self.last_delivery - self.started, 1e-9)
            line += (
                f", {throughput:,.0f} deliveries/s"
                f", latency p50 {percentile(ordered, 0.5) * 1000:.0f} ms"
                f" p99 {percentile(ordered, 0.99) * 1000:.0f} ms"
                f" max {ordered[-1] * 1000:.0f} ms"
            )
        if self.refused:
            codes = ", ".join(
                f"{code} x{count}" for code, count in self.refused.items()
            )
            line += f"; the server refused {self.refused.total():,} sends ({codes})"
        return line


@dataclass
class Room:
    """The open sockets of one room, and the trial they are counting for."""

    listeners: list[ClientConnection]
    senders: list[ClientConnection]
    trial: Trial | None = None
    closed: list[str] = field(default_factory=list)
    late: int = 0

    async def listen(self, websocket: ClientConnection) -> None:
        try:
            async for frame in websocket:
                received_at = time.perf_counter()
                data = json.loads(frame)
                payload = data.get("payload")
                if (
                    data.get("action") != "new_chat_message"
                    or payload.get("name") != SENDER_NAME
                ):
                    continue  # not ours: someone else talking in the room
                trial_number, _, sequence = payload["message"].partition(":")
                trial = self.trial
                if trial is None or int(trial_number) != trial.number:
                    self.late += 1
                    continue
                sent_at = trial.sent_at[int(sequence.split()[0])]
                trial.latencies.append(received_at - sent_at)
                trial.last_delivery = received_at
        except ConnectionClosed as closed:
            self.closed.append(f"{closed.rcvd or 'no close frame'}")
        else:
            self.closed.append("closed by the server")

    async def settle(self) -> None:
        """Wait until a backlog from the last trial stops arriving, so that the
        next trial starts on idle servers."""
        deadline = time.perf_counter() + SETTLE_SECONDS
        while time.perf_counter() < deadline:
            late = self.late
            await asyncio.sleep(QUIET_SECONDS)
            if self.late == late:
                return

    async def watch_sender(self, websocket: ClientConnection) -> None:
        """Count the server's refusals (``error`` frames) of what a sender sent."""
        try:
            async for frame in websocket:
                data = json.loads(frame)
                trial = self.trial
                if data.get("action") == "error" and trial is not None:
                    payload = data.get("payload")
                    code = payload.get("code") if isinstance(payload, dict) else None
                    trial.refused[str(code or "error")] += 1
        except ConnectionClosed as closed:
            self.closed.append(f"sender: {closed.rcvd or 'no close frame'}")


class Command:
    help = (
        "Fan-out benchmark: listeners in one chat room over one or more servers, "
        "senders at a steady rate; prints delivered/expected and latency."
    )

    def __init__(self, stdout: Any = sys.stdout) -> None:
        self.stdout = stdout

    def say(self, line: str) -> None:
        self.stdout.write(line + "\n")
        self.stdout.flush()

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--url",
            type=server_url,
            action="append",
            metavar="URL",
            help="a server, e.g. ws://127.0.0.1:8000; repeat for several "
            "(listeners are spread over them; default: ws://127.0.0.1:8000)",
        )
        parser.add_argument(
            "--listeners",
            type=bounded(int, 1, MAX_LISTENERS, "a whole number"),
            default=100,
            help="sockets that listen in the room (default: 100)",
        )
        parser.add_argument(
            "--rate",
            type=bounded(float, 0.1, MAX_RATE, "messages per second"),
            default=10.0,
            help="messages per second into the room, over all senders "
            "(default: 10); with --find-max, the first rate tried",
        )
        parser.add_argument(
            "--seconds",
            type=bounded(float, 0.1, MAX_SECONDS, "a number of seconds"),
            default=10.0,
            help="how long to send at each rate (default: 10)",
        )
        parser.add_argument(
            "--senders",
            type=bounded(int, 1, 1000, "a whole number"),
            default=1,
            help="sockets that share the sending (default: 1); the server "
            "limits each client, not each socket: raise its limits to send faster",
        )
        parser.add_argument(
            "--size",
            type=bounded(int, 16, 2000, "a number of characters"),
            default=100,
            help="characters per message (default: 100; chat allows 2000)",
        )
        parser.add_argument(
            "--drain",
            type=bounded(float, 0.0, 120.0, "a number of seconds"),
            default=5.0,
            help="longest wait for the last deliveries after sending (default: 5)",
        )
        parser.add_argument(
            "--pause",
            type=bounded(float, 0.0, 60.0, "a number of seconds"),
            default=0.0,
            help="seconds to wait once the sockets are open, before sending "
            "(lets the servers finish their handshakes' work; default: 0)",
        )
        parser.add_argument(
            "--room",
            type=room_name,
            help="the room to use (default: a new random one)",
        )
        parser.add_argument(
            "--origin",
            help="Origin header to send, for servers that require one "
            "(default: none, as a script sends)",
        )
        parser.add_argument(
            "--max-p99",
            type=bounded(float, 1.0, 60_000.0, "milliseconds"),
            metavar="MS",
            help="also fail a run whose 99th percentile latency is over MS",
        )
        parser.add_argument(
            "--find-max",
            action="store_true",
            help="double the rate until a run fails (a message lost or refused, "
            "or --max-p99 exceeded), narrow down, and report the highest rate "
            f"that passed (at most {MAX_FIND_STEPS} runs)",
        )

    def handle(self, **options: Any) -> None:
        self.options = options
        self.urls: list[str] = options["url"] or ["ws://127.0.0.1:8000"]
        self.room_name: str = options["room"] or f"loadtest-{secrets.token_hex(4)}"
        max_p99_ms: float | None = options["max_p99"]
        self.max_p99 = None if max_p99_ms is None else max_p99_ms / 1000
        run(self.benchmark())

    async def benchmark(self) -> None:
        room = await self.open_room()
        tasks = [asyncio.create_task(room.listen(ws)) for ws in room.listeners]
        tasks += [asyncio.create_task(room.watch_sender(ws)) for ws in room.senders]
        try:
            await asyncio.sleep(self.options["pause"])
            self.say(f"Sending to {len(room.listeners)} listeners")
            if self.options["find_max"]:
                await self.find_max(room)
            else:
                trial = await self.run_trial(room, 1, self.options["rate"])
                if not trial.passes(self.max_p99):
                    raise CommandError("The run failed: see the line above.")
        finally:
            await asyncio.gather(
                *(ws.close() for ws in room.listeners + room.senders),
                return_exceptions=True,
            )
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def open_room(self) -> Room:
        listeners: int = self.options["listeners"]
        senders: int = self.options["senders"]
        path = f"/ws/chat/{self.room_name}/"
        self.say(
            f"Opening {listeners} listeners and {senders} sender(s) in room "
            f"{self.room_name!r} on {', '.join(self.urls)}"
        )
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def open_socket(index: int) -> ClientConnection:
            async with gate:
                url = self.urls[index % len(self.urls)] + path
                return await connect(
                    url,
                    origin=self.options["origin"],
                    open_timeout=CONNECT_TIMEOUT,
                    close_timeout=2,
                )

        started = time.perf_counter()
        opened = await asyncio.gather(
            *(open_socket(index) for index in range(listeners + senders)),
            return_exceptions=True,
        )
        sockets = [ws for ws in opened if isinstance(ws, ClientConnection)]
        failures = [error for error in opened if isinstance(error, BaseException)]
        if failures:
            await asyncio.gather(*(ws.close() for ws in sockets))
            raise CommandError(
                f"{len(failures)} of {len(opened)} sockets did not open; the first "
                f"said: {failures[0]!r}"
            )
        self.say(
            f"Opened {len(sockets)} sockets in {time.perf_counter() - started:.1f} s"
        )
        # Senders take the last indices, so they too spread over the servers.
        return Room(listeners=sockets[:listeners], senders=sockets[listeners:])

    async def run_trial(self, room: Room, number: int, rate: float) -> Trial:
        seconds: float = self.options["seconds"]
        messages = max(round(rate * seconds), 1)
        trial = Trial(number, rate, messages, len(room.listeners))
        room.trial = trial
        padding = "x" * self.options["size"]
        started = trial.started = time.perf_counter()
        progress = asyncio.create_task(self.report_progress(trial, started))
        try:
            for sequence in range(messages):
                delay = started + sequence / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                text = f"{number}:{sequence} "
                frame = {
                    "action": "new_chat_message",
                    "payload": {
                        "message": (text + padding)[: self.options["size"]],
                        "name": SENDER_NAME,
                    },
                }
                trial.sent_at[sequence] = time.perf_counter()
                await room.senders[sequence % len(room.senders)].send(json.dumps(frame))
            deadline = time.perf_counter() + self.options["drain"]
            while trial.lost > 0 and time.perf_counter() < deadline and not room.closed:
                await asyncio.sleep(0.05)
        finally:
            progress.cancel()
        room.trial = None
        self.say(trial.summary())
        await room.settle()
        if room.closed:
            raise CommandError(
                f"{len(room.closed)} sockets were closed during the run; the first: "
                f"{room.closed[0]}"
            )
        return trial

    async def report_progress(self, trial: Trial, started: float) -> None:
        """One line a second, so that a long run shows it is alive."""
        while True:
            await asyncio.sleep(1)
            self.say(
                f"  {time.perf_counter() - started:5.1f} s: sent "
                f"{len(trial.sent_at):,} of {trial.messages:,}, delivered "
                f"{len(trial.latencies):,} of {trial.expected:,}"
            )

    async def find_max(self, room: Room) -> None:
        """Double the rate until one loses, then halve the gap twice."""
        best: Trial | None = None
        rate: float = self.options["rate"]
        worst_rate: float | None = None
        for number in range(1, MAX_FIND_STEPS + 1):
            trial = await self.run_trial(room, number, rate)
            if trial.passes(self.max_p99):
                best = trial
            else:
                worst_rate = rate
            if worst_rate is None:
                rate *= 2
            elif best is None or worst_rate / best.rate <= 1.25:
                break
            else:
                rate = round((best.rate + worst_rate) / 2, 1)
            if rate > MAX_RATE:
                break
        if best is None:
            raise CommandError(
                f"Even {self.options['rate']:g} msg/s failed: try a lower --rate."
            )
        self.say(
            f"Highest rate that passed: {best.rate:g} msg/s, "
            f"{best.rate * best.listeners:,.0f} deliveries/s offered "
            f"({best.summary()})"
        )


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop when it is there (uvicorn's standard extras bring it)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def main(arguments: list[str] | None = None, stdout: Any = sys.stdout) -> int:
    command = Command(stdout)
    parser = ArgumentParser(description=command.help)
    command.add_arguments(parser)
    options = vars(parser.parse_args(arguments))
    try:
        command.handle(**options)
    except CommandError as error:
        stdout.write(f"{error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
