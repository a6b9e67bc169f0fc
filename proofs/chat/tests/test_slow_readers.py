"""A member that stops reading, against a real uvicorn: dropped, the room goes on.

The member is a raw TCP client that shakes hands and then never reads, with a
small receive buffer; a sender floods the room with long messages while an
ordinary member reads them all. Once the stalled member's buffers are full,
the server's sends to it wait; after ``SOCKET_SEND_TIMEOUT`` (half a second on
the shared servers) it must be dropped with one WARNING, while the reader keeps
getting every message. Both of uvicorn's websocket implementations are tried.
"""

import base64
import json
import os
import socket
import time

from websockets.sync.client import ClientConnection, connect

from core.tests.processes import HOST
from core.tests.servers import Server

ROOM = "/ws/chat/slow-readers/"
DROPPED = f"Dropped a client of {ROOM}"
BATCH = 20
MOST_MESSAGES = 10_000
MOST_SECONDS = 60


def stalled_member(port: int) -> socket.socket:
    """Join the room over a raw socket that will never read again."""
    member = socket.socket()
    member.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    member.settimeout(10)
    member.connect((HOST, port))
    key = base64.b64encode(os.urandom(16)).decode()
    member.sendall(
        (
            f"GET {ROOM} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += member.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    return member


def read_to_the_end(member: socket.socket) -> bytes:
    """Everything the server still sends, until it closes the connection."""
    received = b""
    deadline = time.monotonic() + MOST_SECONDS
    while time.monotonic() < deadline:
        try:
            chunk = member.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    raise AssertionError("the server never closed the stalled member's connection")


def chat_message(number: int) -> str:
    # Long messages fill the stalled member's buffers within a few thousand.
    text = f"{number:06d} " + "x" * 1_990
    return json.dumps(
        {"action": "new_chat_message", "payload": {"message": text, "name": "Flood"}}
    )


def heard(reader: ClientConnection, count: int) -> list[int]:
    """The numbers of the next ``count`` chat messages the reader gets."""
    numbers: list[int] = []
    while len(numbers) < count:
        frame = json.loads(reader.recv(timeout=10))
        if frame["action"] == "new_chat_message":
            numbers.append(int(frame["payload"]["message"][:6]))
    return numbers


def test_a_member_that_stops_reading_is_dropped_and_the_room_goes_on(
    server_per_implementation: Server,
) -> None:
    server = server_per_implementation
    logged_before = server.log_size()
    url = f"{server.url}{ROOM}"
    with (
        connect(url, max_queue=None) as reader,
        connect(url, max_queue=None) as sender,
    ):
        member = stalled_member(server.port)
        sent = 0
        dropped_at = None
        deadline = time.monotonic() + MOST_SECONDS
        # Flood until the drop, then two batches more.
        while sent < MOST_MESSAGES and time.monotonic() < deadline:
            for number in range(sent, sent + BATCH):
                sender.send(chat_message(number))
            assert heard(reader, BATCH) == list(range(sent, sent + BATCH))
            sent += BATCH
            if dropped_at is None and DROPPED in server.log_since(logged_before):
                dropped_at = sent
            if dropped_at is not None and sent >= dropped_at + 2 * BATCH:
                break
        assert dropped_at is not None, "the stalled member was never dropped"

        # The member's connection ends: what was on its way, then the close.
        left_over = read_to_the_end(member)
        member.close()
        assert left_over.count(b'"new_chat_message"') < sent

    written = server.log_since(logged_before)
    assert written.count(DROPPED) == 1, written
    assert "Traceback" not in written, written
    assert " ERROR " not in written, written
