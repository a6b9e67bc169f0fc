import asyncio
import logging
import uuid
from typing import Any

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.conf import settings
from kombu.exceptions import OperationalError

from system.messages import JobQueued, JobResult, SystemMessage, SystemNotification
from system.tasks import TASK_FUNCTIONS

logger = logging.getLogger(__name__)

QUEUE_ACTION = SystemMessage.model_fields["action"].default

NO_BROKER = (
    "Background jobs are off: REDIS_URL is not set, so no worker can receive "
    "them. Set REDIS_URL and start a worker."
)
BROKER_UNREACHABLE = (
    "The job was not queued: the job queue (Redis) cannot be reached. "
    "Try again in a moment."
)


@channel(
    name="system",
    description=(
        "Background jobs: each one queued here runs on a Celery worker and its "
        "result comes back on the same socket. Notices reach every client."
    ),
    tags=["system"],
)
class SystemConsumer(AsyncJsonWebsocketConsumer[JobResult | SystemNotification]):
    """One client's connection: the results of its own jobs, everyone's notices."""

    # Joined on connect; chanx copies the list for each connection.
    groups = ["system"]  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Held from a job's arrival until its reply is sent: a quick job's
        # result, which may come back before that, waits for it.
        self._queueing = asyncio.Lock()

    async def handle_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        """Handle a frame; a job's whole reply goes out before its result."""
        if content.get(self.discriminator_field) != QUEUE_ACTION:
            await super().handle_json(content, **kwargs)
            return
        async with self._queueing:
            await super().handle_json(content, **kwargs)

    @ws_handler(summary="Check that the connection is alive")
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Queue a background job",
        description=(
            "task_type is translate, analyze or generate; any other runs default. "
            "The reply is job_queued at once, or an error when the job cannot be "
            "queued; job_result follows when a worker has run the job."
        ),
    )
    async def handle_system_message(
        self, message: SystemMessage
    ) -> JobQueued | ErrorMessage:
        if not settings.CELERY_BROKER_URL:
            return ErrorMessage(payload={"detail": NO_BROKER})

        requested = message.payload.task_type
        task_type = requested if requested in TASK_FUNCTIONS else "default"
        content = message.payload.content
        job_id = str(uuid.uuid4())
        # Looked up on this thread, whose current Celery app is the right one.
        apply_async = TASK_FUNCTIONS[task_type].apply_async
        try:
            # Publishing waits on the broker; a slow or missing one must not
            # hold up every other socket on this event loop.
            await asyncio.to_thread(
                apply_async, (job_id, content, self.channel_name), task_id=job_id
            )
        except OperationalError:
            logger.warning("Could not queue job %s", job_id, exc_info=True)
            return ErrorMessage(payload={"detail": BROKER_UNREACHABLE})

        unknown = "" if requested == task_type else f" (no task {requested!r})"
        return JobQueued(
            payload=f"Job queued: {task_type}{unknown} for '{content}' (ID: {job_id})"
        )

    @event_handler(summary="Forward a job's result to the client that queued it")
    async def handle_job_result(self, event: JobResult) -> JobResult:
        async with self._queueing:
            return event

    @event_handler(summary="Forward a notice to the client")
    async def handle_system_notification(
        self, event: SystemNotification
    ) -> SystemNotification:
        return event
