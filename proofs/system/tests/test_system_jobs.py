"""The system socket's jobs on a real Celery worker: every job, order, bounds, failures.

The tutorial's behaviours are the bake's own system/tests/test_system_consumer.py."""

import re
import time
import uuid
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, cast
from unittest.mock import patch

import pytest
from celery.apps.worker import Worker
from chanx.channels.testing import DjangoWebsocketCommunicator
from chanx.constants import EVENT_ACTION_COMPLETE
from chanx.messages.outgoing import ErrorMessage

from config.celery import app as celery_app
from core.tests.checks import SocketChecks
from core.tests.sockets import SocketTestCase, fresh_counts
from system.consumers.system_consumer import SystemConsumer
from system.jobs import JOBS
from system.messages import (
    JobAnswer,
    JobAnswered,
    JobQueued,
    JobResult,
    SystemMessage,
    TaskPayload,
)

JOB_ID = re.compile(r"\(ID: ([0-9a-f-]{36})\)")


def job(task_type: str, content: str) -> SystemMessage:
    return SystemMessage(payload=TaskPayload(task_type=task_type, content=content))


class JobTestCase(SocketTestCase):
    """Queue jobs on a real worker and read what comes back."""

    consumer = SystemConsumer
    ws_path = "/ws/system/"

    @pytest.fixture(autouse=True)
    def _inject_fixtures(self, celery_worker: Worker) -> None:
        self.celery_worker: Worker = celery_worker

    async def run_job(
        self,
        task_type: str,
        content: str,
        communicator: DjangoWebsocketCommunicator | None = None,
    ) -> tuple[JobQueued, JobResult]:
        communicator = communicator or self.auth_communicator
        await communicator.send_message(job(task_type, content))
        queued = await communicator.receive_all_messages()
        assert [message.action for message in queued] == ["job_queued"], queued
        results = await communicator.receive_all_messages(
            stop_action=EVENT_ACTION_COMPLETE, timeout=4
        )
        assert [message.action for message in results] == ["job_result"], results
        return cast(JobQueued, queued[0]), cast(JobResult, results[0])


class TaskResultTestCase(JobTestCase):
    async def test_translate_knows_phrases_and_words(self) -> None:
        await self.auth_communicator.connect()

        _, result = await self.run_job("translate", "Good morning, my friend")

        assert "buenos días, my amigo" in result.payload

    async def test_analyze_counts_characters_words_vowels_and_consonants(
        self,
    ) -> None:
        await self.auth_communicator.connect()

        _, result = await self.run_job("analyze", "Hello world")

        assert "Characters: 11" in result.payload
        assert "Words: 2" in result.payload
        assert "Vowels: 3" in result.payload
        assert "Consonants: 7" in result.payload

    async def test_generate_answers_by_keyword(self) -> None:
        await self.auth_communicator.connect()

        _, result = await self.run_job("generate", "How is the weather?")

        assert "weather is looking great" in result.payload

    async def test_default_upper_cases(self) -> None:
        await self.auth_communicator.connect()

        _, result = await self.run_job("default", "shout this")

        assert "Processed: SHOUT THIS" in result.payload

    async def test_the_acknowledgment_names_the_job_and_its_content(self) -> None:
        await self.auth_communicator.connect()

        queued, _ = await self.run_job("translate", "hello")

        assert queued.payload.startswith("Job queued: translate for 'hello' (ID: ")

    async def test_an_unknown_task_type_runs_default_and_says_so(self) -> None:
        await self.auth_communicator.connect()

        queued, result = await self.run_job("juggle", "balls")

        assert "Job queued: default (no task 'juggle')" in queued.payload
        assert "Processed: BALLS" in result.payload

    async def test_job_ids_are_unique_uuids(self) -> None:
        await self.auth_communicator.connect()

        ids = set()
        for _ in range(3):
            queued, _ = await self.run_job("default", "same second")
            match = JOB_ID.search(queued.payload)
            assert match, queued.payload
            ids.add(str(uuid.UUID(match.group(1))))

        assert len(ids) == 3

    async def test_a_result_reaches_only_the_socket_that_queued_the_job(
        self,
    ) -> None:
        await self.auth_communicator.connect()
        bystander = self.create_communicator()
        await bystander.connect()

        await self.run_job("translate", "hello")

        assert await bystander.receive_nothing()


def publish_a_job_done_at_once(
    name: str, args: tuple[str, ...], **options: Any
) -> None:
    """Publish a job whose result is sent while it is still being queued."""
    job_id, _name, content, channel_name = args
    answer = JobAnswer(job_id=job_id, result=f"Already done: {content}")
    SystemConsumer.send_event_sync(JobAnswered(payload=answer), channel_name)
    time.sleep(0.05)


class ReplyOrderTestCase(JobTestCase):
    async def test_a_result_never_overtakes_its_acknowledgment(self) -> None:
        await self.auth_communicator.connect()

        with patch.object(celery_app, "send_task", publish_a_job_done_at_once):
            queued, result = await self.run_job("default", "quick")

        assert queued.payload.startswith("Job queued: default")
        assert result.payload == "Already done: quick"


class JobsInFlightTestCase(JobTestCase):
    async def test_jobs_waiting_for_results_are_bounded_per_client(self) -> None:
        await self.auth_communicator.connect()
        same_client = self.create_communicator()
        await same_client.connect()
        other_client = self.create_communicator()
        other_client.scope["client"] = ("203.0.113.9", 50000)
        await other_client.connect()
        published: list[tuple[str, ...]] = []

        def publish_a_job_nobody_runs(
            name: str, args: tuple[str, ...], **options: Any
        ) -> None:
            published.append(args)

        with (
            patch.object(celery_app, "send_task", publish_a_job_nobody_runs),
            fresh_counts(SYSTEM_JOBS_IN_FLIGHT=2),
        ):
            for content in ["one", "two"]:
                await self.auth_communicator.send_message(job("default", content))
                queued = await self.auth_communicator.receive_all_messages()
                assert [message.action for message in queued] == ["job_queued"]

            await self.auth_communicator.send_message(job("default", "three"))
            refused = await self.auth_communicator.receive_all_messages()
            # The same client's other socket shares the count; another's does not.
            await same_client.send_message(job("default", "beside"))
            refused += await same_client.receive_all_messages()
            await other_client.send_message(job("default", "elsewhere"))
            elsewhere = await other_client.receive_all_messages()

            # Once a result is sent, one more job may go.
            job_id, *_, channel_name = published[0]
            answer = JobAnswer(job_id=job_id, result="one done")
            await SystemConsumer.send_event(JobAnswered(payload=answer), channel_name)
            await self.auth_communicator.receive_all_messages(
                stop_action=EVENT_ACTION_COMPLETE
            )
            await same_client.send_message(job("default", "four"))
            queued = await same_client.receive_all_messages()

        assert len(refused) == 2
        for error in cast(list[ErrorMessage], refused):
            assert error.payload["code"] == "rate_limited"
            assert "2 jobs waiting" in error.payload["detail"]
        assert [message.action for message in elsewhere] == ["job_queued"]
        assert [message.action for message in queued] == ["job_queued"]
        assert [args[2] for args in published] == ["one", "two", "elsewhere", "four"]


def never_answer(name: str, args: tuple[str, ...], **options: Any) -> None:
    """Take the job and never answer it, as a worker that is slow or gone."""


class UndeliverableResultTestCase(JobTestCase):
    async def test_a_job_unanswered_when_its_socket_closes_is_logged(self) -> None:
        await self.auth_communicator.connect()
        with patch.object(celery_app, "send_task", never_answer):
            await self.auth_communicator.send_message(job("translate", "hello"))
            [queued] = await self.auth_communicator.receive_all_messages()
        job_id = cast(re.Match[str], JOB_ID.search(cast(JobQueued, queued).payload))[1]

        with self.assertLogs("system.consumers.system_consumer", "WARNING") as logs:
            await self.auth_communicator.disconnect()

        [record] = logs.records
        assert record.levelname == "WARNING"
        assert record.getMessage() == (
            f"The result of the translate job {job_id} cannot be delivered: "
            "its socket closed before the worker answered."
        )

    async def test_answered_jobs_are_not_reported_when_the_socket_closes(
        self,
    ) -> None:
        await self.auth_communicator.connect()
        await self.run_job("analyze", "text")

        with self.assertNoLogs("system.consumers.system_consumer", "WARNING"):
            await self.auth_communicator.disconnect()


@contextmanager
def failing(task_type: str, error: Exception) -> Generator[None, None, None]:
    """Make the work of the job ``task_type`` names raise ``error``."""

    def work(content: str) -> str:
        raise error

    with patch.dict(JOBS, {task_type: replace(JOBS[task_type], work=work)}):
        yield


class FailingTaskTestCase(JobTestCase):
    async def test_a_failing_job_sends_an_error_result_and_logs_the_traceback(
        self,
    ) -> None:
        await self.auth_communicator.connect()

        with (
            failing("translate", RuntimeError("disk on fire")),
            self.assertLogs("system.tasks", "ERROR") as logs,
        ):
            queued, result = await self.run_job("translate", "hello")

        job_id = cast(re.Match[str], JOB_ID.search(queued.payload)).group(1)
        assert "translate job failed" in result.payload
        assert job_id in result.payload
        assert "disk on fire" not in result.payload  # internals stay in the log
        [record] = logs.records
        assert job_id in record.getMessage()
        assert record.exc_info is not None
        assert "disk on fire" in str(record.exc_info[1])

    async def test_the_socket_works_on_after_a_failed_job(self) -> None:
        await self.auth_communicator.connect()
        with (
            failing("analyze", ValueError("bad")),
            self.assertLogs("system.tasks", "ERROR"),
        ):
            await self.run_job("analyze", "text")

        _, result = await self.run_job("translate", "world")

        assert "mundo" in result.payload


class BadInputTestCase(SocketChecks, SocketTestCase):
    """Bad frames get chanx's error message and the socket stays usable."""

    consumer = SystemConsumer
    ws_path = "/ws/system/"

    async def test_invalid_payloads_are_answered_with_an_error(self) -> None:
        await self.auth_communicator.connect()

        for payload in (
            {"task_type": "translate"},
            {"content": "hello"},
            {"task_type": "translate", "content": ""},
            {"task_type": "translate", "content": "x" * 2001},
            {"task_type": "", "content": "hello"},
            "translate hello",
        ):
            await self.auth_communicator.send_json_to(
                {"action": "system_message", "payload": payload}
            )
            messages = await self.auth_communicator.receive_all_messages()
            assert len(messages) == 1, payload
            assert isinstance(messages[0], ErrorMessage), payload

        await self.assert_still_answers_ping()
