"""Jinja filters the template uses, loaded by cookiecutter through ``_extensions``."""

import json

from jinja2.ext import Extension


def literal(value: str) -> str:
    """Quote ``value`` as a double-quoted string literal.

    JSON's escapes are valid in Python, TOML and YAML double-quoted strings, so an
    answer with quotes, backslashes or non-ASCII letters stays one valid literal.
    """
    return json.dumps(value, ensure_ascii=False)


class LiteralExtension(Extension):
    def __init__(self, environment):  # type: ignore[no-untyped-def]
        super().__init__(environment)
        environment.filters["literal"] = literal
