"""The system socket: jobs queued for a Celery worker, their results, and notices."""

import asyncio
import logging
import uuid
from typing import Any

from channels.db import database_sync_to_async
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.conf import settings
from limits import RateLimitItemPerMinute

from core.consumers import RealtimeConsumer
from core.limits import count, hold, log_refusal, release
from system import results
from system.jobs import job_for
from system.messages import (
    JobAnswered,
    JobQueued,
    JobResult,
    SystemMessage,
    SystemNotification,
)
from system.queue import publish

logger = logging.getLogger(__name__)
record = database_sync_to_async(results.record)
forget = database_sync_to_async(results.forget)
claim = database_sync_to_async(results.claim)
waiting = database_sync_to_async(results.waiting)


@channel(
    name="system",
    description=(
        "Background jobs: each one queued here runs on a Celery worker and its "
        "result comes back on the same socket. Notices reach every client."
    ),
    tags=["system"],
)
class SystemConsumer(RealtimeConsumer[JobAnswered | SystemNotification]):
    """One client's connection: the results of its own jobs, everyone's notices.

    An owner's jobs are stored (``system.results``): each result goes to all
    the owner's sockets, forwarded once; an opening socket is told of the jobs
    running and given results not yet seen. An owner-less job's result comes
    by channel name, lost if the socket closed: it logs each one it awaited.
    """

    groups = ["system"]  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A result is forwarded only once its job's reply has gone out.
        self.queueing = asyncio.Lock()
        self.awaited_jobs: dict[str, str] = {}  # queued, unanswered: id to name
        self.owner: str | None = None

    async def post_authentication(self) -> None:
        self.owner = results.owner_of(self.scope)
        if self.owner is None:
            return
        await self.join_group(results.owner_group(self.owner))
        for job in await waiting(self.owner):
            if not job.result:  # its result comes to the first of the owner's sockets
                running = f"Job still running: {job.name} (ID: {job.id})"
                await self.send_message(JobQueued(payload=running))
            elif await claim(str(job.id)):
                await self.send_message(JobResult(payload=job.result))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.log_undelivered()
            for _job in self.awaited_jobs:  # its result is lost: take no more room
                await release("jobs", self.client)

    def log_undelivered(self) -> None:
        for job_id, name in self.awaited_jobs.items() if self.owner is None else ():
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
            "queued (code rate_limited past the client's jobs per minute, or while "
            "its earlier jobs, on any socket, wait for their results); job_result follows "
            "when a worker has run the job."
        ),
        output_type=JobQueued | ErrorMessage,
    )
    async def handle_system_message(self, message: SystemMessage) -> None:
        in_flight = settings.SYSTEM_JOBS_IN_FLIGHT
        held = await hold("jobs", self.client, in_flight)
        if held is not None:
            await log_refusal("jobs in flight", held, self.client, self.scope["path"])
            await self.send_rate_limited(
                f"You have {in_flight} jobs waiting for their results, the most "
                "allowed. Send this one again once a result comes back"
            )
            return
        per_minute = RateLimitItemPerMinute(settings.SYSTEM_JOBS_PER_MINUTE)
        refusal = await count("jobs", self.client, [per_minute], fail_open=True)
        if refusal is not None:
            await release("jobs", self.client)
            await self.send_rate_limited("Too many jobs", refusal)
            return
        job, content = job_for(message.payload.task_type), message.payload.content
        job_id = str(uuid.uuid4())
        async with self.queueing:
            if self.owner is not None:  # before the worker may answer
                await record(job_id, self.owner, job.name)
            failure = await publish(job_id, job.name, content, self.channel_name)
            if failure is not None:
                await release("jobs", self.client)
                await forget(job_id)
                await self.send_message(ErrorMessage(payload={"detail": failure}))
                return
            self.awaited_jobs[job_id] = job.name
            asked = message.payload.task_type
            unknown = "" if asked == job.name else f" (no task {asked!r})"
            await self.send_message(
                JobQueued(
                    payload=f"Job queued: {job.name}{unknown} for '{content}' (ID: {job_id})"
                )
            )

    @event_handler(summary="Forward a job's result to a socket of its owner, once")
    async def handle_job_answered(self, event: JobAnswered) -> JobResult | None:
        job_id = event.payload.job_id
        async with self.queueing:
            # The socket that queued it shows it; another of the owner's, if first.
            mine = job_id in self.awaited_jobs and not self.client_gone
            claimed = self.owner is not None and await claim(job_id)
            if not (claimed or mine):  # an owner-less job is stored nowhere
                return None
            if self.awaited_jobs.pop(job_id, None) is not None:  # it held a place
                await release("jobs", self.client)
            return JobResult(payload=event.payload.result)

    @event_handler(summary="Forward a notice to the client")
    async def handle_system_notification(
        self, event: SystemNotification
    ) -> SystemNotification:
        return event
