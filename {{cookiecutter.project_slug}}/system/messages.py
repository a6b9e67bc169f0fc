"""Messages of the system socket: jobs in, job results and notices out."""

from typing import Literal

from chanx.messages.base import BaseMessage
from pydantic import BaseModel, Field


class TaskPayload(BaseModel):
    """Which job to run, on what text. An unknown ``task_type`` runs ``default``."""

    task_type: str = Field(min_length=1, max_length=50)
    content: str = Field(min_length=1, max_length=2000)


class SystemMessage(BaseMessage):
    """A job for a background worker."""

    action: Literal["system_message"] = "system_message"
    payload: TaskPayload


class JobQueued(BaseMessage):
    """The job is on the queue: names the task, the content and the job id."""

    action: Literal["job_queued"] = "job_queued"
    payload: str


class JobResult(BaseMessage):
    """What a finished job produced, or why it failed."""

    action: Literal["job_result"] = "job_result"
    payload: str


class JobAnswer(BaseModel):
    """Which job a result belongs to, and the result."""

    job_id: str
    result: str


class JobAnswered(BaseMessage):
    """A worker's answer, on its way to the socket that queued the job.

    The socket forwards ``result`` to its client as a ``JobResult``; the job id
    tells it which of its jobs no longer waits.
    """

    action: Literal["job_answered"] = "job_answered"
    payload: JobAnswer


class SystemNotification(BaseMessage):
    """A notice for every connected client, e.g. from ``send_notification``."""

    action: Literal["system_notification"] = "system_notification"
    payload: str
