"""Validate the answers before anything is written.

Cookiecutter renders this file with Jinja, so the answers arrive as one JSON
literal in ``main()``; everything above it is plain Python that the meta suite
imports and unit-tests.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")
# The slug is the directory and the distribution name, never imported; its one
# appearance in code, ``app = Celery("<slug>")`` in config/celery.py, stays
# within ruff's 88 columns up to this length.
SLUG_MAX_LENGTH = 72


class InvalidAnswer(ValueError):
    """An answer the template cannot generate a working project from."""

    def __init__(self, question: str, value: str, allowed: str) -> None:
        super().__init__(f"{question}={value!r} is not valid: {allowed}")


def validate_slug(slug: str) -> None:
    """The format of the slug; the post-generation hook refuses one that names a
    dependency, from the locks it ships."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidAnswer(
            "project_slug",
            slug,
            "use a lowercase Python identifier: a letter, then letters, digits or _",
        )
    if len(slug) > SLUG_MAX_LENGTH:
        raise InvalidAnswer(
            "project_slug", slug, f"use at most {SLUG_MAX_LENGTH} characters"
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
