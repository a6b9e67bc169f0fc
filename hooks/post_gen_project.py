"""Remove the apps the answers did not select, then print the next steps.

``OPTIONAL_APPS`` is the one place that says what each app owns. The meta suite
imports it to check every bake: an app's paths exist exactly when it is
selected, and a project without the app contains none of its traces.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OptionalApp:
    """An app the user may leave out."""

    answer: str
    """The cookiecutter question that selects the app."""
    paths: tuple[str, ...]
    """Files and folders, relative to the project root, that belong to it alone."""
    traces: tuple[str, ...]
    """Regular expressions that match nothing in a project without the app."""


OPTIONAL_APPS: dict[str, OptionalApp] = {
    "chat": OptionalApp(
        answer="use_chat",
        paths=("chat",),
        # The OpenAI SDK's own names (client.chat.completions, chatcmpl-…,
        # /v1/chat/completions) are not this app.
        traces=(r"(?i)(?<![\w.])chat(?!cmpl|\.completion|completion|/completions)",),
    ),
    "assistants": OptionalApp(
        answer="use_assistants",
        paths=("assistants",),
        traces=(r"(?i)assistant", r"(?i)openai"),
    ),
    "system": OptionalApp(
        answer="use_system",
        paths=("system", "config/celery.py"),
        # Hyphens count as part of the word: CSS's "system-ui" is no trace.
        # Its settings are SYSTEM_*.
        traces=(
            r"(?i)(?<![\w-])system(?![\w-])",
            r"\bSYSTEM_",
            r"(?i)celery",
            r"(?i)\bworker\b",
        ),
    ),
}


def selected_apps(answers: dict[str, Any]) -> list[str]:
    """The optional apps the answers chose, in table order."""
    return [name for name, app in OPTIONAL_APPS.items() if answers[app.answer]]


def paths_to_remove(selected: Iterable[str]) -> list[str]:
    """Every path owned by an app that is not selected."""
    chosen = set(selected)
    unknown = chosen - OPTIONAL_APPS.keys()
    if unknown:
        raise ValueError(f"unknown apps: {', '.join(sorted(unknown))}")
    return [
        path
        for name, app in OPTIONAL_APPS.items()
        if name not in chosen
        for path in app.paths
    ]


def remove(root: Path, relative_paths: Iterable[str]) -> None:
    """Delete each path under ``root``; one that is already gone is skipped."""
    for relative in relative_paths:
        target = root / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def trace_patterns(selected: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns that must match nothing in a project with only ``selected`` apps."""
    chosen = set(selected)
    return [
        re.compile(trace)
        for name, app in OPTIONAL_APPS.items()
        if name not in chosen
        for trace in app.traces
    ]


def next_steps(slug: str, selected: list[str]) -> str:
    apps = ", ".join(selected) if selected else "no optional app"
    return (
        f"\nCreated {slug} with {apps}. Next:\n\n"
        f"    cd {slug}\n"
        "    uv sync\n"
        "    uv run python manage.py migrate\n"
        "    uv run python manage.py runserver\n\n"
        "Then open http://127.0.0.1:8000/ — and run the tests with `uv run pytest`.\n"
    )


def main() -> int:
    answers: dict[str, Any] = json.loads(r"""{{ cookiecutter | tojson }}""")
    selected = selected_apps(answers)
    remove(Path.cwd(), paths_to_remove(selected))
    print(next_steps(answers["project_slug"], selected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
