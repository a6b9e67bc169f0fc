"""Fixtures and hooks of the meta suite: bakes by subset, one installed
environment for every bake, and a real Redis server. The machinery they use
lives in ``bakery.py``.

Each subset is baked once per worker and shared by all its checks there; the
quick checks of one subset run in the same xdist worker (``xdist_group``), the
long ones on whichever worker is free, longest first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bakery import (
    FULLEST,
    SUBSET_IDS,
    SUBSETS,
    Subset,
    clean_environment,
    free_port,
    install_locked,
    run,
    stop,
    wait_until_listening,
)
from filelock import FileLock


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--subset",
        action="append",
        choices=SUBSET_IDS,
        help="run the per-subset checks for this app subset only (repeatable)",
    )


# The checks that take longest (each runs a bake's suite, a browser or a type
# checker: 10 s to 3 min), longest first. Any free worker takes them, baking
# the subset again if it has not yet (a second), and they start first, so that
# none is left to run alone at the end.
LONGEST_FIRST = [
    "test_proofs_pass_on_redis",
    "test_socket_tests_hold_repeatedly_against_redis",
    "test_browser_proofs_pass",
    "test_proofs_pass_without_redis",
    "test_generated_suite_passes_on_redis",
    "test_generated_suite_passes",
    "test_type_checks_pass",
    "test_proofs_pass_the_bakes_linters_and_type_checker",
    "test_bake_installs_and_passes_from_its_own_lock",
    "test_cruft_update_applies_a_template_change_cleanly",
]


def item_subset(item: pytest.Item) -> Subset | None:
    callspec = getattr(item, "callspec", None)
    subset = callspec.params.get("subset") if callspec else None
    return subset if isinstance(subset, Subset) else None


def running_order(item: pytest.Item) -> tuple[int, int]:
    """Longest first: by check, then by apps."""
    name = getattr(item, "originalname", item.name)
    if name not in LONGEST_FIRST:
        return (len(LONGEST_FIRST), 0)
    subset = item_subset(item)
    return (LONGEST_FIRST.index(name), -len(subset.apps) if subset else 0)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Keep the quick checks of one subset in one worker, so it is baked once
    there; start the longest checks first, on any worker. With ``--subset``,
    drop the other subsets' tests."""
    chosen = config.getoption("subset")
    kept = []
    for item in items:
        subset = item_subset(item)
        if subset is not None:
            if chosen and subset.id not in chosen:
                continue
            if getattr(item, "originalname", item.name) not in LONGEST_FIRST:
                item.add_marker(pytest.mark.xdist_group(subset.id))
        kept.append(item)
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = sorted(kept, key=running_order)


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every xdist worker of this run shares."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    return root


@pytest.fixture(scope="session")
def bake_python(shared_dir: Path, cookies_session: Any) -> Path:
    """A virtualenv holding every dependency of the fullest bake, shared by all.

    Installed from the fullest bake's lock: its dependencies are a superset of
    every subset's, so one install serves the whole matrix.
    ``tests/test_install.py`` proves a subset's own lock is complete.
    """
    env_dir = shared_dir / "bake-env"
    python = env_dir / "bin" / "python"
    with FileLock(str(shared_dir / "bake-env.lock")):
        if not python.exists():
            result = cookies_session.bake(extra_context=FULLEST.answers)
            assert result.exit_code == 0, result.exception
            install_locked(result.project_path, env_dir)
    return python


@pytest.fixture(scope="session")
def baked() -> dict[str, Path]:
    """Bakes by subset id, made on first use and kept for the session."""
    return {}


@pytest.fixture(params=SUBSETS, ids=SUBSET_IDS)
def subset(request: pytest.FixtureRequest) -> Subset:
    """Each combination of optional apps in turn."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def project(baked: dict[str, Path], cookies_session: Any, subset: Subset) -> Path:
    """The bake of ``subset``, made once per session."""
    if subset.id not in baked:
        result = cookies_session.bake(extra_context=subset.answers)
        assert result.exit_code == 0, result.exception
        baked[subset.id] = result.project_path
    return baked[subset.id]


@pytest.fixture(scope="session")
def django_reports() -> dict[str, dict[str, Any]]:
    """Reports of ``django_probe.py`` by subset id, made once per session."""
    return {}


@pytest.fixture
def django_report(
    django_reports: dict[str, dict[str, Any]],
    project: Path,
    subset: Subset,
    bake_python: Path,
) -> dict[str, Any]:
    """Django's checks, schema and landing page of the bake, from one process."""
    if subset.id not in django_reports:
        probe = Path(__file__).with_name("django_probe.py")
        result = run([bake_python, probe], project, clean_environment())
        django_reports[subset.id] = json.loads(result.stdout.splitlines()[-1])
    return django_reports[subset.id]


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium the bakes' browser tests drive: the one
    ``PLAYWRIGHT_CHROMIUM_EXECUTABLE`` names (as the template's GitHub workflow
    sets it), else ``chromium`` on the PATH (Debian's)."""
    path = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium: CI must install one")
        pytest.skip(
            "no Chromium: install chromium or set PLAYWRIGHT_CHROMIUM_EXECUTABLE"
        )
    return path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1, stopped by its pid at the end."""
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; CI must install it")
        pytest.skip("redis-server is not installed")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, process, "redis-server", timeout=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
