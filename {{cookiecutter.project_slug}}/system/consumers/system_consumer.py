import asyncio
import functools
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core.outage import ChannelLayerConsumer
from core.outage_log import report_outage
from system.jobs import RUN_JOB_TASK, job_for
from system.messages import (
    JobAnswered,
    JobQueued,
    JobResult,
    SystemMessage,
    SystemNotification,
)

if TYPE_CHECKING:
    from channels.consumer import _ChannelScope  # the stubs' name, not the module's

logger = logging.getLogger(__name__)

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
    """The threads that hand jobs to the broker, and nothing else.

    A publish waits on Redis, about 2 s at most when it cannot be reached
    (CELERY_BROKER_CONNECTION_TIMEOUT and one retry), so it runs off the event
    loop; in threads of its own (``SYSTEM_PUBLISH_THREADS``), so that answers
    stalled on a slow AI provider or Django's own work never hold it up.
    """
    return ThreadPoolExecutor(
        max_workers=settings.SYSTEM_PUBLISH_THREADS,
        thread_name_prefix="system-publish",
    )


@channel(
    name="system",
    description=(
        "Background jobs: each one queued here runs on a Celery worker and its "
        "result comes back on the same socket. Notices reach every client."
    ),
    tags=["system"],
)
class SystemConsumer(ChannelLayerConsumer[JobAnswered | SystemNotification]):
    """One client's connection: the results of its own jobs, everyone's notices.

    The worker's task (``system.tasks``) sends results here by channel name;
    this consumer queues that task by name and never imports it. A result
    sent once the socket has closed is lost without a word from the channel
    layer, so the socket itself logs, as it ends, each job it still awaited.
    """

    # Joined on connect; chanx copies the list for each connection.
    groups = ["system"]  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A fast worker's result can come back while its job is still being
        # published. The reply to a job is sent before this lock is released,
        # and a result is forwarded only once it holds the lock, so a result
        # never overtakes its acknowledgment.
        self._queueing = asyncio.Lock()
        # Queued and not yet answered, job id to job name; frames are handled
        # one at a time, so checking and counting cannot interleave.
        self.awaited_jobs: dict[str, str] = {}

    async def __call__(
        self,
        scope: "_ChannelScope",
        receive: ASGIReceiveCallable,
        send: ASGISendCallable,
    ) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            for job_id, name in self.awaited_jobs.items():
                logger.warning(
                    "The result of the %s job %s cannot be delivered: its socket "
                    "closed before the worker answered.",
                    name,
                    job_id,
                )

    @ws_handler(summary="Check that the connection is alive")
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Queue a background job",
        description=(
            "task_type is translate, analyze or generate; any other runs default. "
            "The reply is job_queued at once, or an error when the job cannot be "
            "queued (code rate_limited while the socket's earlier jobs wait for "
            "their results); job_result follows when a worker has run the job."
        ),
        output_type=JobQueued | ErrorMessage,
    )
    async def handle_system_message(self, message: SystemMessage) -> None:
        limit = settings.SYSTEM_JOBS_IN_FLIGHT
        if len(self.awaited_jobs) >= limit:
            await self.send_rate_limited(
                f"You have {limit} jobs waiting for their results, the most "
                "allowed. Send this one again once a result comes back."
            )
            return
        async with self._queueing:
            await self.send_message(await self.queue_job(message))

    async def queue_job(self, message: SystemMessage) -> JobQueued | ErrorMessage:
        """Put the job on the worker's queue and await its result; say what came of it."""
        if not settings.CELERY_BROKER_URL:
            return ErrorMessage(payload={"detail": NO_BROKER})

        requested = message.payload.task_type
        job = job_for(requested)
        content = message.payload.content
        job_id = str(uuid.uuid4())
        try:
            publish = functools.partial(
                celery_app.send_task,
                RUN_JOB_TASK,
                args=(job_id, job.name, content, self.channel_name),
                task_id=job_id,
            )
            await asyncio.get_running_loop().run_in_executor(
                publishing_threads(), publish
            )
        except OperationalError as error:
            # The broker is Redis: its outage is logged once, not per job.
            report_outage(f"job {job_id} not queued: {type(error).__name__}: {error}")
            return ErrorMessage(payload={"detail": BROKER_UNREACHABLE})

        self.awaited_jobs[job_id] = job.name
        unknown = "" if requested == job.name else f" (no task {requested!r})"
        return JobQueued(
            payload=f"Job queued: {job.name}{unknown} for '{content}' (ID: {job_id})"
        )

    @event_handler(summary="Forward a job's result to the client that queued it")
    async def handle_job_answered(self, event: JobAnswered) -> JobResult:
        async with self._queueing:
            answer = event.payload
            if not self.client_gone:
                # Its result goes out as this returns: the job no longer waits.
                self.awaited_jobs.pop(answer.job_id, None)
            return JobResult(payload=answer.result)

    @event_handler(summary="Forward a notice to the client")
    async def handle_system_notification(
        self, event: SystemNotification
    ) -> SystemNotification:
        return event
