"""Background jobs that a Celery worker runs for the system socket.

Each job pretends to work for a while (``SYSTEM_JOB_DELAY_SCALE`` scales it),
then sends a ``JobResult`` to the socket that queued it, through the channel
layer. A job whose work fails still answers, with an error the user can read,
and logs the traceback for whoever runs the worker.
"""

import logging
import re
import time
import unicodedata
from collections.abc import Callable

from celery import Task, shared_task
from django.conf import settings

from system.messages import JobResult

logger = logging.getLogger(__name__)

# English to Spanish, enough for a demo; phrases win over their words.
TRANSLATIONS = {
    "hello": "hola",
    "world": "mundo",
    "good morning": "buenos días",
    "good night": "buenas noches",
    "thank you": "gracias",
    "please": "por favor",
    "friend": "amigo",
    "cat": "gato",
    "dog": "perro",
    "yes": "sí",
    "no": "no",
}
_KNOWN_PHRASE = re.compile(
    r"\b("
    + "|".join(re.escape(p) for p in sorted(TRANSLATIONS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)

# Canned answers for the "generate" job, picked by the first keyword found.
ANSWERS = {
    "weather": "The weather is looking great today. Perfect for a walk outside.",
    "food": "Try the new place downtown: their pasta is excellent.",
    "help": "I'm here to help. Ask me anything you'd like to know.",
}

# How long each kind of job pretends to work, before SYSTEM_JOB_DELAY_SCALE.
JOB_SECONDS = {"translate": 2.0, "analyze": 3.0, "generate": 4.0, "default": 1.0}


def translate(content: str) -> str:
    """Translate the words and phrases the dictionary knows; keep the rest."""
    translated = _KNOWN_PHRASE.sub(
        lambda match: TRANSLATIONS[match.group(0).lower()], content
    )
    if translated == content:
        return f"Translated: '{content}' has no word in the demo dictionary."
    return f"Translated: '{content}' → '{translated}'"


def analyze(content: str) -> str:
    """Count characters, words, vowels and consonants (accents ignored)."""
    letters = [
        unicodedata.normalize("NFKD", char)[0].lower()
        for char in content
        if char.isalpha()
    ]
    vowels = sum(letter in "aeiou" for letter in letters)
    return (
        f"Analysis of '{content}':\n"
        f"Characters: {len(content)}\n"
        f"Words: {len(content.split())}\n"
        f"Vowels: {vowels}\n"
        f"Consonants: {len(letters) - vowels}"
    )


def generate(content: str) -> str:
    """Answer with a canned reply chosen by keyword."""
    lowered = content.lower()
    answer = next(
        (reply for keyword, reply in ANSWERS.items() if keyword in lowered),
        f"That's an interesting point about '{content}'. "
        "It deserves some research and a little practice.",
    )
    return f"Generated answer to '{content}':\n{answer}"


def process(content: str) -> str:
    """The fallback job, for unknown task types."""
    return f"Processed: {content.upper()}"


def run_job(
    task_type: str,
    work: Callable[[str], str],
    job_id: str,
    content: str,
    channel_name: str,
) -> None:
    """Do ``work`` on ``content`` and send what came of it to ``channel_name``."""
    time.sleep(JOB_SECONDS[task_type] * settings.SYSTEM_JOB_DELAY_SCALE)
    try:
        result = work(content)
    except Exception:
        # The user gets an answer, the operator the traceback; the task itself
        # succeeds, so Celery does not log the same failure a second time.
        logger.exception("The %s job %s failed", task_type, job_id)
        result = (
            f"The {task_type} job failed (ID: {job_id}). "
            "Nothing was produced; the worker's log has the details."
        )
    send_result(channel_name, result)


def send_result(channel_name: str, text: str) -> None:
    """Send ``text`` to one socket, as the event its consumer forwards."""
    # Imported here because the consumer imports this module.
    from system.consumers.system_consumer import SystemConsumer

    SystemConsumer.send_event_sync(JobResult(payload=text), channel_name)


@shared_task(ignore_result=True)
def translate_text(job_id: str, content: str, channel_name: str) -> None:
    """Translate ``content`` into Spanish, word by word."""
    run_job("translate", translate, job_id, content, channel_name)


@shared_task(ignore_result=True)
def analyze_text(job_id: str, content: str, channel_name: str) -> None:
    """Count the characters, words, vowels and consonants of ``content``."""
    run_job("analyze", analyze, job_id, content, channel_name)


@shared_task(ignore_result=True)
def generate_response(job_id: str, content: str, channel_name: str) -> None:
    """Give a canned answer to ``content``."""
    run_job("generate", generate, job_id, content, channel_name)


@shared_task(ignore_result=True)
def process_default(job_id: str, content: str, channel_name: str) -> None:
    """Upper-case ``content``: the job for task types nobody knows."""
    run_job("default", process, job_id, content, channel_name)


# The task types a client may ask for; anything else runs "default".
TASK_FUNCTIONS: dict[str, Task[[str, str, str], None]] = {
    "translate": translate_text,
    "analyze": analyze_text,
    "generate": generate_response,
    "default": process_default,
}
