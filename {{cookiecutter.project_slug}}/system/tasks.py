"""The Celery task that runs every job of ``system.jobs`` on a worker.

It sends what came of the job to the socket that queued it, through the
channel layer. A job whose work fails still answers, with an error the user
can read, and logs the traceback for whoever runs the worker; so does one that
cannot finish (past its time limit, say). A result that cannot be sent
because Redis is down costs one ERROR line: it waits for its owner's next socket.
"""

import logging
import time
from typing import Any

from billiard.einfo import ExceptionInfo
from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError

from core.outage import is_redis_failure
from system.consumers.system_consumer import SystemConsumer
from system.jobs import RUN_JOB_TASK, job_for
from system.messages import JobAnswer, JobAnswered
from system.results import finish, owner_group

logger = logging.getLogger(__name__)


class AnsweredJob(Task):  # type: ignore[type-arg]
    """A job that fails for good still tells its client."""

    def on_failure(
        self,
        exc: Exception,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: ExceptionInfo,
    ) -> None:
        job_id, task_type, _content, channel_name = args
        job = job_for(task_type)
        logger.error("The %s job %s could not run: %r", job.name, job_id, exc)
        result = (
            f"The {job.name} job could not run (ID: {job_id}): "
            f"{type(exc).__name__}. Try again later."
        )
        answer(job_id, result, channel_name)


def answer(job_id: str, result: str, channel_name: str) -> None:
    """Keep ``result`` for the job's owner and send it to the owner's sockets;
    an owner-less job's goes to the socket that queued it, if still open."""
    event = JobAnswered(payload=JobAnswer(job_id=job_id, result=result))
    try:
        owner = finish(job_id, result)
    except DatabaseError:  # not kept: at least the socket that queued it hears
        logger.exception("The result of the job %s could not be stored", job_id)
        owner = None
    try:
        if owner is None:
            SystemConsumer.send_event_sync(event, channel_name)
        else:
            SystemConsumer.broadcast_event_sync(event, owner_group(owner))
    except Exception as error:
        if not is_redis_failure(error):
            raise
        # Redis is down: the server has closed the job's sockets meanwhile.
        logger.error(
            "The result of the job %s could not be sent (%s: %s); %s.",
            *(job_id, type(error).__name__, error),
            "it is kept for its owner's next socket" if owner else "it is lost",
        )


@shared_task(name=RUN_JOB_TASK, base=AnsweredJob, ignore_result=True)
def run_job(job_id: str, task_type: str, content: str, channel_name: str) -> None:
    """Run the job ``task_type`` names on ``content``; answer ``channel_name``."""
    job = job_for(task_type)
    time.sleep(job.seconds * settings.SYSTEM_JOB_DELAY_SCALE)
    try:
        result = job.work(content)
    except Exception:
        # The user gets an answer, the operator the traceback; the task itself
        # succeeds, so Celery does not log the same failure a second time.
        logger.exception("The %s job %s failed", job.name, job_id)
        result = (
            f"The {job.name} job failed (ID: {job_id}). "
            "Nothing was produced; the worker's log has the details."
        )
    answer(job_id, result, channel_name)
