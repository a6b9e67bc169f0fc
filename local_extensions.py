"""Jinja filters the template uses, loaded by cookiecutter through ``_extensions``."""

import json

from jinja2.ext import Extension


def literal(value: str) -> str:
    """Quote ``value`` as a double-quoted TOML (or YAML) string.

    JSON's escapes are valid in both, so an answer with quotes, backslashes or
    non-ASCII letters stays one valid literal.
    """
    return json.dumps(value, ensure_ascii=False)


def python_literal(value: str) -> str:
    """Quote ``value`` as the Python string ruff's formatter would write.

    Double quotes unless the value holds more double quotes than single ones,
    so ``ruff format --check`` passes whatever the answer.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    body = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode()
        for char in escaped
    )
    return quote + body + quote


class LiteralExtension(Extension):
    def __init__(self, environment):  # type: ignore[no-untyped-def]
        super().__init__(environment)
        environment.filters["literal"] = literal
        environment.filters["python_literal"] = python_literal
