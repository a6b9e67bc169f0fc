"""The pages' LiveSocket in a real browser: how it waits before reconnecting."""

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

# Runs LiveSocket against a path the server refuses, with timers that fire at
# once and a random draw fixed at ``draw``; returns the delays it asked for.
RECORD_RETRY_DELAYS = """
async (draw) => {
  const delays = [];
  const realSetTimeout = window.setTimeout.bind(window);
  Math.random = () => draw;
  window.setTimeout = (callback, delay) => {
    delays.push(delay);
    return delays.length < 9 ? realSetTimeout(callback, 0) : 0;
  };
  new LiveSocket("/ws/no-such-socket/");
  const deadline = Date.now() + 10000;
  while (delays.length < 9 && Date.now() < deadline) {
    await new Promise((resolve) => realSetTimeout(resolve, 50));
  }
  return delays;
}
"""


@pytest.mark.parametrize(
    ("draw", "first_delays"),
    [
        (0.0, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]),
        (1.0, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]),
    ],
    ids=["shortest-draw", "longest-draw"],
)
def test_reconnects_back_off_exponentially_with_jitter_up_to_a_minute(
    page: Page, server_url: str, draw: float, first_delays: list[int]
) -> None:
    page.goto(server_url)
    page.add_script_tag(url=f"{server_url}/static/core/live_socket.js")

    delays = page.evaluate(RECORD_RETRY_DELAYS, draw)

    assert delays == first_delays
