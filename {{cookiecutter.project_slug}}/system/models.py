"""Jobs and their results, kept for their owner (``system.results``)."""

from django.db import models


class Job(models.Model):
    """Queued by ``owner`` (``user.<pk>``, ``session.<key>``); ``result`` is set
    (never empty) by the worker, ``delivered`` once a socket forwarded it."""

    id = models.UUIDField(primary_key=True)
    owner = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=50)
    result = models.TextField(blank=True)
    delivered = models.BooleanField(default=False)
    queued_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.name} {self.id} of {self.owner}"
