"""Nothing lost across a server restart: chat history, resync, waiting job results.

Two servers share Redis, a worker and a database. Members of one room sit on
both; the first server is stopped mid-conversation while a member goes on
talking on the second, then started again. Its members come back as the page
does (``?after=<last seq seen>``), and every member ends up holding every
message exactly once, in order. Two owners queued jobs on the stopped server's
sockets: each gets its own result after reconnecting, and only its own.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection

from chat.tests.rooms import chat_frame, new_room
from core.tests.faults import (
    own_redis,
    ping,
    project_environment,
    receive_frame,
    uvicorn,
)
from core.tests.servers import UNLIMITED_FRAMES, Server
from system.tests.workers import job_owner_sessions, job_socket, queue, worker

pytestmark = pytest.mark.redis_processes

HEARD_WITHIN = 10.0


@dataclass
class Member:
    """One chat page: what it heard (seq, text), in order, and what it said."""

    ws: ClientConnection
    heard: list[tuple[int, str]] = field(default_factory=list)
    said: list[str] = field(default_factory=list)

    def hear(self, payload: dict[str, object], replayed: bool) -> None:
        seq, text = int(str(payload["seq"])), str(payload["message"])
        if replayed and text in self.said:
            return  # its own, sent after the last seq it saw: the page matches it off
        self.heard.append((seq, text))

    def hear_until(self, text: str) -> None:
        while text not in {heard for _, heard in self.heard}:
            frame = json.loads(self.ws.recv(timeout=HEARD_WITHIN))
            if frame["action"] == "new_chat_message":
                self.hear(frame["payload"], replayed=False)
            elif frame["action"] == "chat_history":
                assert not frame["payload"]["missed_earlier"], frame
                for payload in frame["payload"]["messages"]:
                    self.hear(payload, replayed=True)

    @property
    def last_seq(self) -> int:
        return max((seq for seq, _ in self.heard), default=0)


def join(server: Server, room: str, after: int | None = None) -> ClientConnection:
    query = "" if after is None else f"?after={after}"
    return server.connect(f"/ws/chat/{room}/{query}")


def say(speaker: Member, text: str, listeners: list[Member]) -> None:
    speaker.ws.send(chat_frame(text))
    speaker.said.append(text)
    for listener in listeners:
        listener.hear_until(text)


def test_a_restart_loses_no_message_and_no_job_result(tmp_path: Path) -> None:
    room = new_room()
    with own_redis(tmp_path) as redis:
        # A default job pretends to work for 2 s: it ends while its server is down.
        environment = project_environment(
            tmp_path, redis.url, SYSTEM_JOB_DELAY_SCALE="2", **UNLIMITED_FRAMES
        )
        owners = job_owner_sessions(environment, 2)
        with (
            uvicorn(tmp_path, environment) as second,
            worker(tmp_path, environment, "--pool", "solo"),
        ):
            bob, dan = Member(join(second, room)), Member(join(second, room))
            with uvicorn(tmp_path, environment) as first:
                ann, cat = Member(join(first, room)), Member(join(first, room))
                for member in (ann, cat, bob, dan):
                    ping(member.ws)
                say(ann, "a0", [cat, bob, dan])
                say(bob, "b0", [ann, cat, dan])
                say(ann, "a1", [cat, bob, dan])
                for number, owner in enumerate(owners):
                    jobs = job_socket(first, owner)
                    queue(jobs, "default", f"job of owner {number}")
            # The first server is down; its members and jobs wait.
            for text in ("b1", "b2", "b3"):
                say(bob, text, [dan])
            with uvicorn(tmp_path, environment) as first:
                for member in (ann, cat):
                    member.ws = join(first, room, after=member.last_seq)
                say(bob, "b4", [ann, cat, dan])
                say(ann, "a2", [cat, bob, dan])
                for number, owner in enumerate(owners):
                    jobs = job_socket(first, owner)
                    result = receive_frame(jobs, "job_result", timeout=HEARD_WITHIN)
                    assert f"job of owner {number}".upper() in str(result["payload"])
                    # Nothing else came: another owner's result, or this one twice.
                    jobs.send(json.dumps({"action": "ping"}))
                    assert json.loads(jobs.recv(timeout=5))["action"] == "pong"
                    jobs.close()
                for member in (ann, cat):
                    member.ws.close()
            for member in (bob, dan):
                member.ws.close()

    everything = {"a0", "a1", "a2", "b0", "b1", "b2", "b3", "b4"}
    for member in (ann, cat, bob, dan):
        seqs = [seq for seq, _ in member.heard]
        assert seqs == sorted(set(seqs)), member.heard  # in order, each once
        texts = [text for _, text in member.heard] + member.said
        assert sorted(texts) == sorted(everything), member.heard
