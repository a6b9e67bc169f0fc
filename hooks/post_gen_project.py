"""Remove the apps the answers did not select, install the subset's lock, then
print the next steps.

``OPTIONAL_APPS`` is the one place that says what each app owns. The meta suite
imports it to check every bake: an app's paths exist exactly when it is
selected, and a project without the app contains none of its traces.

Cookiecutter renders this file with Jinja, so the answers arrive as one JSON
literal in ``main()``; everything above it is plain Python.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_VERSION = "0.6.0"
"""This template's version (as in its pyproject.toml and CHANGELOG.md), written
to each bake's ``.template-version``. A constant here rather than a private
answer: cruft keeps a project's old private answers on ``cruft update``."""
VERSION_FILE = ".template-version"
LOCKS_DIR = ".locks"
"""The template's ``uv.lock`` of every app subset, named ``<subset id>.lock``."""
LOCKED_PROJECT_NAME = "chanx-project"
"""The project name the shipped locks were made under (the default slug)."""
LOCK_PACKAGE = re.compile(
    r'^\[\[package\]\]\nname = "(?P<name>[^"]+)"\nversion = "[^"]*"\n'
    r"source = \{ (?P<source>\w+)",
    re.MULTILINE,
)


def imported(*modules: str) -> tuple[str, ...]:
    """Python import statements of these top-level modules."""
    return tuple(rf"^\s*(?:from|import)\s+\.?{module}\b" for module in modules)


def quoted_path(app: str) -> str:
    """A quoted URL prefix (``/app/``, ``/ws/app/``), template or static path
    (``app/…``), URL namespace (``app:``) or app label."""
    return rf"[`\"'}}](?:/?ws)?/?{app}[/:\"']"


def module_path(app: str) -> str:
    """A dotted path into one of the app's Django modules (``app.urls``,
    ``app.apps.AppConfig``), as settings and URL configurations name them."""
    return (
        rf"\b{app}\.(?:apps|urls|routing|consumers|messages|models|views|tasks|tests)\b"
    )


def setting(prefix: str) -> str:
    """A setting or environment variable named ``PREFIX_…``."""
    return rf"\b{prefix}_[A-Z]"


def requirement(distribution: str) -> str:
    """A quoted requirement on this distribution (or one named after it)."""
    return rf"[\"']{distribution}\b"


@dataclass(frozen=True)
class OptionalApp:
    """An app the user may leave out."""

    answer: str
    """The cookiecutter question that selects the app."""
    paths: tuple[str, ...]
    """Files and folders, relative to the project root, that belong to it alone."""
    traces: tuple[str, ...]
    """Regular expressions on identifiers that match nothing in a project
    without the app."""


OPTIONAL_APPS: dict[str, OptionalApp] = {
    "chat": OptionalApp(
        answer="use_chat",
        paths=("chat",),
        traces=(
            *imported("chat", "icu"),
            quoted_path("chat"),
            module_path("chat"),
            setting("CHAT"),
            requirement("pyicu-wheels"),
        ),
    ),
    "assistants": OptionalApp(
        answer="use_assistants",
        paths=("assistants", "docs/assistants.md"),
        traces=(
            *imported("assistants", "openai"),
            quoted_path("assistants"),
            module_path("assistants"),
            setting("OPENAI"),
            setting("ASSISTANTS"),
            requirement("openai"),
        ),
    ),
    "system": OptionalApp(
        answer="use_system",
        paths=(
            "system",
            "config/celery.py",
            "Procfile.dev",
            "docs/system.md",
            "deploy/systemd/worker.service",
        ),
        traces=(
            *imported("system", "celery"),
            quoted_path("system"),
            module_path("system"),
            setting("SYSTEM"),
            setting("CELERY"),
            requirement("celery"),
            r"\bcelery -A\b",  # the worker's command line
            r"^\s+worker:",  # the Compose service
        ),
    ),
}


def selected_apps(answers: dict[str, Any]) -> list[str]:
    """The optional apps the answers chose, in table order."""
    return [name for name, app in OPTIONAL_APPS.items() if answers[app.answer]]


def every_subset() -> list[tuple[str, ...]]:
    """Every combination of optional apps, the fullest first, the empty last."""
    return [
        tuple(name for name, chosen in zip(OPTIONAL_APPS, mask, strict=True) if chosen)
        for mask in itertools.product((True, False), repeat=len(OPTIONAL_APPS))
    ]


def subset_id(selected: Iterable[str]) -> str:
    """The name of an app subset: its apps joined by ``+`` in table order."""
    chosen = set(selected)
    return "+".join(name for name in OPTIONAL_APPS if name in chosen) or "none"


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
        re.compile(trace, re.MULTILINE)
        for name, app in OPTIONAL_APPS.items()
        if name not in chosen
        for trace in app.traces
    ]


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_distributions(lock: str) -> set[str]:
    """The distributions a ``uv.lock`` installs, the project itself left out."""
    return {
        match["name"]
        for match in LOCK_PACKAGE.finditer(lock)
        if match["source"] != "virtual"
    }


def dependency_names(locks_dir: Path) -> set[str]:
    """Every distribution any app subset's lock installs."""
    names: set[str] = set()
    for lock in locks_dir.glob("*.lock"):
        names |= locked_distributions(lock.read_text())
    return names


def slug_error(slug: str, dependencies: set[str]) -> str | None:
    """Why ``slug`` cannot name the project's distribution, if it cannot."""
    if normalise(slug) in dependencies:
        return (
            f"project_slug={slug!r} is not valid: the project depends on a package "
            f"of that name ({normalise(slug)}); pick another name"
        )
    return None


def rename_locked_project(lock: str, slug: str) -> str:
    """The lock with its project entry renamed from the template's to ``slug``."""
    entry = f'[[package]]\nname = "{LOCKED_PROJECT_NAME}"\n'
    if lock.count(entry) != 1:
        raise ValueError(f"the lock has no single project entry {LOCKED_PROJECT_NAME}")
    return lock.replace(entry, f'[[package]]\nname = "{normalise(slug)}"\n')


def install_lock(root: Path, selected: Iterable[str], slug: str) -> None:
    """Write the selected subset's lock as ``uv.lock``; drop the others."""
    locks = root / LOCKS_DIR
    lock = (locks / f"{subset_id(selected)}.lock").read_text()
    (root / "uv.lock").write_text(rename_locked_project(lock, slug))
    shutil.rmtree(locks)


def next_steps(project: Path, selected: list[str]) -> str:
    apps = ", ".join(selected) if selected else "no optional app"
    return (
        f"\nCreated {project.name} with {apps}. Next:\n\n"
        f"    cd {shlex.quote(str(project))}\n"
        "    git init\n"
        "    uv sync --locked\n"
        "    uv run pre-commit install\n"
        "    uv run python manage.py migrate\n"
        "    uv run python manage.py runserver\n\n"
        "Then open http://127.0.0.1:8000/ — and run the tests with `uv run pytest`.\n"
    )


def main() -> int:
    answers: dict[str, Any] = json.loads(r"""{{ cookiecutter | tojson }}""")
    root = Path.cwd()
    selected = selected_apps(answers)
    error = slug_error(answers["project_slug"], dependency_names(root / LOCKS_DIR))
    if error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    install_lock(root, selected, answers["project_slug"])
    (root / VERSION_FILE).write_text(f"{TEMPLATE_VERSION}\n")
    remove(root, paths_to_remove(selected))
    # stderr: the message is for the person at the terminal, never part of the
    # output cruft compares when it re-bakes for `cruft diff` and `cruft update`.
    print(next_steps(root, selected), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
