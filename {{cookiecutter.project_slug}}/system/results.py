"""Who owns a job; its result, kept until a socket of the owner forwards it.

A model, not Celery's result backend: pages ask by owner, not task id, on any
database. Rows past SYSTEM_JOB_RESULTS_HOURS go as new jobs are recorded."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.authentication import signed_in_user
from system.models import Job


def owner_of(scope: Any) -> str | None:
    """The signed-in user, or else the visitor's session (the page makes one)."""
    user = signed_in_user(scope)
    if user is not None:
        return f"user.{user.pk}"
    key = getattr(scope.get("session"), "session_key", None)
    return f"session.{key}" if key else None


def owner_group(owner: str) -> str:
    return f"jobs.{owner}"


def record(job_id: str, owner: str, name: str) -> None:
    hours = timedelta(hours=settings.SYSTEM_JOB_RESULTS_HOURS)
    Job.objects.filter(queued_at__lt=timezone.now() - hours).delete()
    Job.objects.create(id=job_id, owner=owner, name=name)


def forget(job_id: str) -> None:
    Job.objects.filter(pk=job_id).delete()


def finish(job_id: str, result: str) -> str | None:
    """Keep the result; the job's owner, if it has one (the worker's side)."""
    Job.objects.filter(pk=job_id).update(result=result)
    return Job.objects.filter(pk=job_id).values_list("owner", flat=True).first()


def claim(job_id: str) -> bool:
    """Whether this socket is the first to deliver the result."""
    return Job.objects.filter(pk=job_id, delivered=False).update(delivered=True) == 1


def waiting(owner: str) -> list[Job]:
    """The owner's jobs still running, and the results nobody has seen yet."""
    return list(Job.objects.filter(owner=owner, delivered=False).order_by("queued_at"))
