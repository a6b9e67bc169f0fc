"""Validate the answers before anything is written.

Cookiecutter renders this file with Jinja, so the answers arrive as one JSON
literal in ``main()``; everything above it is plain Python that the meta suite
imports and unit-tests.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from typing import Any

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")

# Top-level modules a generated project imports; a slug with one of these names
# would shadow it, because the project root is on sys.path.
RESERVED_SLUGS = frozenset(
    {
        "assistants",
        "asgiref",
        "celery",
        "channels",
        "channels_redis",
        "chanx",
        "chat",
        "config",
        "conftest",
        "core",
        "daphne",
        "django",
        "environ",
        "httpx",
        "kombu",
        "manage",
        "openai",
        "pydantic",
        "pytest",
        "redis",
        "rest_framework",
        "site",
        "system",
        "test",
        "tests",
        "typing",
    }
)


class InvalidAnswer(ValueError):
    """An answer the template cannot generate a working project from."""

    def __init__(self, question: str, value: str, allowed: str) -> None:
        super().__init__(f"{question}={value!r} is not valid: {allowed}")


def validate_slug(slug: str) -> None:
    if not SLUG_PATTERN.fullmatch(slug) or keyword.iskeyword(slug):
        raise InvalidAnswer(
            "project_slug",
            slug,
            "use a lowercase Python identifier: a letter, then letters, digits or _",
        )
    if slug in RESERVED_SLUGS or slug in sys.stdlib_module_names:
        raise InvalidAnswer(
            "project_slug",
            slug,
            "it shadows a module the project imports; pick another name",
        )


def validate_email(email: str) -> None:
    if not EMAIL_PATTERN.fullmatch(email):
        raise InvalidAnswer(
            "author_email", email, "use an address of the form name@example.com"
        )


def validate_project_name(name: str) -> None:
    if not name.strip():
        raise InvalidAnswer("project_name", name, "give the project a name")


def validate(answers: dict[str, Any]) -> None:
    """Raise ``InvalidAnswer`` for the first answer that cannot be used."""
    validate_project_name(answers["project_name"])
    validate_slug(answers["project_slug"])
    validate_email(answers["author_email"])


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    try:
        validate(answers)
    except InvalidAnswer as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
