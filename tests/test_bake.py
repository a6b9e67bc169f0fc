"""Bake every app subset and hold it to what a hand-written project would be."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from bakery import (
    EMPTIEST,
    FULLEST,
    Subset,
    clean_environment,
    find_traces,
    passed_tests,
    run,
    text_files,
    uv,
)

from hooks.post_gen_project import LOCKS_DIR, OPTIONAL_APPS, normalise

# GitHub Actions expressions (``${{ ... }}``) are meant to stay.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|cookiecutter")


PYTHON_BLOCK = re.compile(r"^```python\n.*?^```", re.M | re.S)
# Django's ``startapp --template`` renders these, not cookiecutter.
APP_TEMPLATE = Path("core", "app_template")


def is_django_template(path: Path) -> bool:
    return "templates" in path.parts and path.suffix == ".html"


def test_nothing_is_left_unrendered(project: Path) -> None:
    leftovers = []
    for path in text_files(project):
        if path.relative_to(project).is_relative_to(APP_TEMPLATE):
            continue
        text = path.read_text()
        pattern = re.compile("cookiecutter") if is_django_template(path) else UNRENDERED
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                leftovers.append(
                    f"{path.relative_to(project)}:{number}: {line.strip()}"
                )
    assert not leftovers, "\n".join(leftovers)


def test_pruning_table_is_honoured(project: Path, subset: Subset) -> None:
    for name, app in OPTIONAL_APPS.items():
        for relative in app.paths:
            assert (project / relative).exists() == (name in subset.apps), relative


def test_no_trace_of_a_pruned_app(project: Path, subset: Subset) -> None:
    traces = find_traces(project, subset.apps)
    assert not traces, "\n".join(traces)


def test_shipped_lock_is_current(project: Path) -> None:
    """The subset's lock from the template still matches the bake's
    ``pyproject.toml``; ``scripts/lock_bakes.py`` refreshes a stale one."""
    assert not (project / LOCKS_DIR).exists()
    lock = (project / "uv.lock").read_text()
    assert f'name = "{normalise(project.name)}"\nversion' in lock
    run([uv(), "lock", "--check"], project, clean_environment())


def test_no_stray_blank_lines(project: Path) -> None:
    """Jinja branches leave no double blank lines in markup, config or docs."""
    offenders = []
    for path in text_files(project):
        if path.suffix in {".py", ".py-tpl", ".js", ".css"}:
            continue  # the formatter and the linters own these
        text = path.read_text()
        if path.suffix == ".md":  # Python in the docs keeps its two blank lines
            text = PYTHON_BLOCK.sub("```", text)
        if "\n\n\n" in text or text.startswith("\n"):
            offenders.append(str(path.relative_to(project)))
    assert not offenders


def test_ruff_is_clean(project: Path, bake_python: Path) -> None:
    ruff = bake_python.parent / "ruff"
    run([ruff, "check", "--no-cache", "."], project)
    run([ruff, "format", "--check", "--no-cache", "."], project)


def test_django_check_is_clean(django_report: dict[str, Any]) -> None:
    assert django_report["check"]["ok"], django_report["check"]["output"]


def test_migrations_are_up_to_date(django_report: dict[str, Any]) -> None:
    report = django_report["makemigrations"]
    assert report["ok"], report["output"]


def test_asyncapi_schema_lists_the_selected_channels(
    django_report: dict[str, Any], subset: Subset
) -> None:
    report = django_report["schema"]
    assert report["ok"], report["output"]
    schema = json.loads(report["output"][: report["output"].rindex("}") + 1])
    addresses = sorted(
        channel["address"].split("/")[1] for channel in schema["channels"].values()
    )
    assert addresses == sorted(subset.apps)
    for name, channel in schema["channels"].items():
        assert channel.get("messages"), f"channel {name} lists no messages"


def test_landing_page_links_exactly_the_selected_apps(
    django_report: dict[str, Any], subset: Subset
) -> None:
    landing = django_report["landing"]
    assert landing["status"] == 200
    html = landing["html"]
    linked = {name for name in OPTIONAL_APPS if f'href="/{name}/"' in html}
    assert linked == set(subset.apps)
    assert ('id="no-apps"' in html) == (not subset.apps)


def test_generated_suite_passes(project: Path, bake_python: Path) -> None:
    result = run(
        [bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        clean_environment(),
    )
    passed_tests(result)


# The Redis half runs where the channel-layer wiring differs: the fullest bake
# (every app's code on Redis) and the emptiest (no socket at all). A
# single-app bake runs the same app code on the same wiring as the fullest.
@pytest.mark.parametrize("subset", [FULLEST, EMPTIEST], ids=lambda subset: subset.id)
def test_generated_suite_passes_on_redis(
    project: Path, bake_python: Path, redis_url: str
) -> None:
    result = run(
        [bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        clean_environment(REDIS_URL=redis_url),
    )
    passed_tests(result)
