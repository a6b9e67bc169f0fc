"""Stand-ins for the stream ``OpenAIService.generate_stream`` returns."""

import threading
from collections.abc import Iterator


class StalledStream:
    """Yields its first token, then stalls its thread until released.

    A provider slow to send the next token does the same: the thread waits
    on the network. Until ``release`` is set, the answer is still streaming.
    """

    def __init__(self, first: str, rest: list[str], patience: float = 2) -> None:
        self.first = first
        self.rest = rest
        self.patience = patience
        self.release = threading.Event()
        self.gave_up_waiting = False
        self.closed_early = False

    def __iter__(self) -> Iterator[str]:
        try:
            yield self.first
            # Times out only if the test could not release it: the event loop
            # was stuck waiting on this very thread.
            self.gave_up_waiting = not self.release.wait(self.patience)
            yield from self.rest
        except GeneratorExit:
            self.closed_early = True
            raise


def failing_stream(*tokens: str, error: Exception) -> Iterator[str]:
    """Yields ``tokens``, then fails the way a broken stream does."""
    yield from tokens
    raise error
