"""Broadcast a notice to every client connected to the system socket.

python manage.py send_notification "Maintenance in 5 minutes"
python manage.py send_notification "Restarting" --repeat 3 --interval 2
"""

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from system.consumers.system_consumer import SystemConsumer
from system.messages import SystemNotification


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentTypeError(f"must be a whole number of 1 or more, not {value!r}")
    return number


def non_negative_float(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ArgumentTypeError(
            f"must be a number of seconds, 0 or more, not {value!r}"
        )
    return seconds


class Command(BaseCommand):
    help = "Send a notice to every client connected to /ws/system/."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("message", help="the text of the notice")
        parser.add_argument(
            "--repeat",
            type=positive_int,
            default=1,
            metavar="N",
            help="send it N times (default: 1)",
        )
        parser.add_argument(
            "--interval",
            type=non_negative_float,
            default=1.0,
            metavar="S",
            help="seconds to wait between two sends (default: 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["message"].strip()
        if not text:
            raise CommandError(
                'The notice is empty: give its text, e.g. send_notification "Hello".'
            )
        repeat: int = options["repeat"]
        interval: float = options["interval"]
        if not settings.REDIS_URL:
            self.stderr.write(
                "REDIS_URL is not set, so sockets talk through memory: only sockets "
                "of this very process hear the notice, none of a running server's. "
                "Set REDIS_URL to reach them."
            )

        for number in range(1, repeat + 1):
            SystemConsumer.broadcast_event_sync(SystemNotification(payload=text))
            self.stdout.write(f"Sent notice {number} of {repeat}: {text}")
            if number < repeat:
                time.sleep(interval)
        self.stdout.write(self.style.SUCCESS("Done."))
