"""Bake every app subset and hold it to what a hand-written project would be."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from bakery import (
    FULLEST,
    SUBSETS,
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


# The bake's tests that start servers, workers and Redis processes of their own
# (load, membership, outages, a killed worker) exercise each app's own code,
# which is the same in every subset: they run in the fullest bake only, below.
EVERYWHERE_BUT_PROCESSES = "not e2e and not redis_processes"


@pytest.mark.parametrize("channel_layer", ["memory", "redis"])
def test_generated_suite_passes(
    project: Path,
    bake_python: Path,
    channel_layer: str,
    request: pytest.FixtureRequest,
) -> None:
    extra = {}
    if channel_layer == "redis":
        extra["REDIS_URL"] = request.getfixturevalue("redis_url")
    result = run(
        [
            *(bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-m", EVERYWHERE_BUT_PROCESSES),
        ],
        project,
        clean_environment(**extra),
    )

    passed_tests(result)


# The fullest bake's real-process tests, a few apps' at a time so that workers
# run them side by side: they mostly wait (for servers to start, Redis to come
# back, a killed worker's job to be redelivered) rather than compute.
REAL_PROCESS_SHARDS = [("chat",), ("system",), ("core", "assistants")]


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
@pytest.mark.parametrize("apps", REAL_PROCESS_SHARDS, ids="+".join)
def test_real_process_tests_pass(
    project: Path, bake_python: Path, redis_url: str, apps: tuple[str, ...]
) -> None:
    tested = {path.parent.parent.name for path in project.glob("*/tests/test_*.py")}
    assert tested == {app for shard in REAL_PROCESS_SHARDS for app in shard}
    result = run(
        [
            *(bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-m", "redis_processes", *(f"{app}/tests" for app in apps)),
        ],
        project,
        clean_environment(REDIS_URL=redis_url),
    )

    passed_tests(result)


# A flake that fails one run in 20 of these modules (as chanx's late hang-up
# did with Redis) survives 20 repeats with a chance of 0.95**20, about 36 %.
# They run as two processes of 10 repeats, side by side on two workers.
SOCKET_TEST_REPEATS = 10


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
@pytest.mark.parametrize("process", [1, 2])
def test_socket_tests_hold_repeatedly_against_redis(
    project: Path, bake_python: Path, redis_url: str, process: int
) -> None:
    """The fullest bake's socket-test modules, run again and again in one
    process against one Redis: state a test leaves behind in the channel layer
    (a lock bound to a closed loop, a consumer still in its groups) fails a
    later repeat."""
    modules = sorted(
        str(path.relative_to(project))
        for path in project.glob("*/tests/test_*_consumer.py")
    )
    assert len(modules) == len(OPTIONAL_APPS), modules
    result = run(
        [
            *(bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("--keep-duplicates", *modules * SOCKET_TEST_REPEATS),
        ],
        project,
        clean_environment(REDIS_URL=redis_url),
    )

    assert passed_tests(result) % SOCKET_TEST_REPEATS == 0, result.stdout


BROWSER_SUBSETS = [FULLEST, *(subset for subset in SUBSETS if len(subset.apps) == 1)]


@pytest.mark.parametrize("subset", BROWSER_SUBSETS, ids=lambda subset: subset.id)
def test_browser_suite_passes(
    project: Path, bake_python: Path, redis_url: str, chromium: str
) -> None:
    env = clean_environment(
        REDIS_URL=redis_url, PLAYWRIGHT_CHROMIUM_EXECUTABLE=chromium
    )
    result = run(
        [bake_python, "-m", "pytest", "-m", "e2e", "-q", "-p", "no:cacheprovider"],
        project,
        env,
    )

    passed_tests(result)
