"""A room's history: every message said there, numbered in the room."""

from django.conf import settings
from django.db import models


class ChatMessage(models.Model):
    """One message, stored before it is broadcast. ``seq`` counts a room's
    messages 1, 2, 3...: a client that saw n asks for what follows n."""

    room = models.CharField(max_length=80)
    seq = models.PositiveBigIntegerField()
    name = models.CharField(max_length=50)
    message = models.TextField()
    member = models.BooleanField(default=False)  # signed in, not a visitor
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [  # noqa: RUF012
            models.UniqueConstraint(fields=["room", "seq"], name="chat_room_seq")
        ]

    def __str__(self) -> str:
        return f"{self.room} #{self.seq} {self.name}: {self.message[:40]}"


class TakenName(models.Model):
    """How a member's user name reads (``chat.names``), so that no visitor's
    name may read the same."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reading = models.CharField(max_length=64, db_index=True)  # a sha256, in hex

    def __str__(self) -> str:
        return self.reading
