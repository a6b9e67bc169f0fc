"""A room's history: every message said there, numbered in the room."""

from django.db import models


class ChatMessage(models.Model):
    """One message, stored before it is broadcast. ``seq`` counts a room's
    messages 1, 2, 3...: a client that saw n asks for what follows n."""

    room = models.CharField(max_length=80)
    seq = models.PositiveBigIntegerField()
    name = models.CharField(max_length=50)
    message = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [  # noqa: RUF012
            models.UniqueConstraint(fields=["room", "seq"], name="chat_room_seq")
        ]

    def __str__(self) -> str:
        return f"{self.room} #{self.seq} {self.name}: {self.message[:40]}"
