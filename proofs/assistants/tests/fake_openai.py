"""An OpenAI-compatible endpoint on 127.0.0.1, so tests never touch the network."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


def chunk(content: str | None = None, **delta: Any) -> dict[str, Any]:
    """One streamed completion chunk carrying ``content``."""
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: Any


@dataclass
class FakeOpenAI:
    """Serves every POST with ``events`` as server-sent events, then ``[DONE]``.

    With a ``status`` other than 200 it answers with that status and an
    OpenAI-style error body instead. With ``pause_after`` set, it sends that
    many events, then waits for ``resume`` before the rest: a slow provider.
    """

    events: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    pause_after: int | None = None
    resume: threading.Event = field(default_factory=threading.Event)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(
                    RecordedRequest(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=json.loads(self.rfile.read(length)),
                    )
                )
                if fake.status != 200:
                    self.send_json_error()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for index, event in enumerate(fake.events):
                    if index == fake.pause_after:
                        fake.resume.wait(timeout=10)
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def send_json_error(self) -> None:
                body = json.dumps(
                    {"error": {"message": "Refused by the fake", "type": "test"}}
                ).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler
