"""Putting a job on the worker's queue, from the event loop.

A publish waits on Redis, about 2 s at most when it cannot be reached
(CELERY_BROKER_CONNECTION_TIMEOUT and one retry), so it runs off the loop, in
threads of its own (``SYSTEM_PUBLISH_THREADS``): answers stalled on a slow AI
provider or Django's own work never hold it up.
"""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core.outage import report_outage
from system.jobs import RUN_JOB_TASK

NO_BROKER = (
    "Background jobs are off: REDIS_URL is not set, so no worker can receive "
    "them. Set REDIS_URL and start a worker."
)
BROKER_UNREACHABLE = (
    "The job was not queued: the job queue (Redis) cannot be reached. "
    "Try again in a moment."
)


@functools.cache
def publishing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.SYSTEM_PUBLISH_THREADS,
        thread_name_prefix="system-publish",
    )


async def publish(
    job_id: str, job_name: str, content: str, channel_name: str
) -> str | None:
    """Queue the job, whose result goes to ``channel_name``; why not, if it was not."""
    if not settings.CELERY_BROKER_URL:
        return NO_BROKER
    send = functools.partial(
        celery_app.send_task,
        RUN_JOB_TASK,
        args=(job_id, job_name, content, channel_name),
        task_id=job_id,
    )
    try:
        await asyncio.get_running_loop().run_in_executor(publishing_threads(), send)
    except OperationalError as error:
        # The broker is Redis: its outage is logged once, not per job.
        report_outage(f"job {job_id} not queued: {type(error).__name__}: {error}")
        return BROKER_UNREACHABLE
    return None
