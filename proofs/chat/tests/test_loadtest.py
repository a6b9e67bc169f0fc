"""The ``loadtest`` benchmark: it counts what a real server delivers, and says
what is wrong with bad arguments. Its figures are for the README, not tests."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.tests.processes import HOST, free_port
from core.tests.servers import Server


@pytest.fixture
def url(documented_server: Server) -> str:
    return documented_server.url


def loadtest(*arguments: str) -> str:
    output = io.StringIO()
    call_command("loadtest", *arguments, stdout=output)
    return output.getvalue()


def test_a_run_counts_every_delivery_and_reports_latency(url: str) -> None:
    output = loadtest(
        *("--url", url, "--listeners", "5", "--rate", "100", "--seconds", "0.2")
    )

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
    with pytest.raises(CommandError, match=complaint):
        loadtest(*arguments)


def test_a_server_that_is_not_there_is_reported() -> None:
    with pytest.raises(CommandError, match="did not open"):
        loadtest("--url", f"ws://{HOST}:{free_port()}", "--listeners", "1")
