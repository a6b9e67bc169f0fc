"""Helpers for tests that start servers of their own on 127.0.0.1."""

import socket
import subprocess
import time

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until_listening(
    port: int, process: "subprocess.Popen[bytes]", timeout: float = 20
) -> None:
    """Return once something accepts connections on ``port``; fail if the
    process exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args!r} exited with {process.returncode}"
                ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on port {port}") from None
            time.sleep(0.05)


def stop(process: "subprocess.Popen[bytes]") -> None:
    """Stop a server by its own process, politely first."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
