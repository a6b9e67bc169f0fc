"""The jobs the system socket offers: one table, read by the page, the consumer
and the Celery task that runs them.

Each job pretends to work for a while (``SYSTEM_JOB_DELAY_SCALE`` scales it),
then does its work on the client's text.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# The one Celery task that runs every job (system.tasks). The consumer queues it
# by this name, so it never imports the task module, which imports the consumer.
RUN_JOB_TASK = "system.tasks.run_job"

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


@dataclass(frozen=True)
class Job:
    name: str
    seconds: float
    """How long it pretends to work, before ``SYSTEM_JOB_DELAY_SCALE``."""
    work: Callable[[str], str]


# The task types a client may ask for, in the page's order; anything else runs
# "default".
JOBS = {
    job.name: job
    for job in (
        Job("translate", 2.0, translate),
        Job("analyze", 3.0, analyze),
        Job("generate", 4.0, generate),
        Job("default", 1.0, process),
    )
}


def job_for(task_type: str) -> Job:
    """The job a client's ``task_type`` names, or ``default`` for an unknown one."""
    return JOBS.get(task_type, JOBS["default"])
