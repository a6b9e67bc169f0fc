"""The template's load test (scripts/loadtest.py): it counts what a real server
delivers, and says what is wrong with bad arguments. Its figures are for the
docs, not tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.tests.processes import HOST, free_port
from core.tests.servers import Server

# scripts/run_proofs.py says where the template's scripts are.
LOADTEST = Path(os.environ.get("TEMPLATE_SCRIPTS", "scripts")) / "loadtest.py"


@pytest.fixture
def url(documented_server: Server) -> str:
    return documented_server.url


def loadtest(*arguments: str) -> tuple[int, str]:
    """Run it with this bake's Python, as its docs say: exit code and output."""
    result = subprocess.run(
        [sys.executable, str(LOADTEST), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_run_counts_every_delivery_and_reports_latency(url: str) -> None:
    code, output = loadtest(
        *("--url", url, "--listeners", "5", "--rate", "100", "--seconds", "0.2")
    )

    assert code == 0, output
    assert "Opened 6 sockets" in output
    assert "delivered 100 of 100 (0 lost)" in output
    assert "latency p50" in output


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--url", "http://127.0.0.1:8000"], "must be a server address"),
        (["--url", "ws://127.0.0.1:8000/ws/chat/x/"], "must be the server only"),
        (["--listeners", "0"], "must be a whole number from 1"),
        (["--rate", "fast"], "must be messages per second"),
        (["--seconds", "9999"], "must be a number of seconds"),
        (["--room", "no spaces"], "must be 1-80 letters"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(
    arguments: list[str], complaint: str
) -> None:
    code, output = loadtest(*arguments)

    assert code == 2
    assert complaint in output


def test_a_server_that_is_not_there_is_reported() -> None:
    code, output = loadtest("--url", f"ws://{HOST}:{free_port()}", "--listeners", "1")

    assert code == 1
    assert "did not open" in output
