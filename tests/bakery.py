"""The meta suite's machinery: app subsets, commands run in a bake, ports.

Test modules and ``conftest.py`` import from here; ``conftest.py`` itself holds
only fixtures and hooks.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hooks.post_gen_project import (
    OPTIONAL_APPS,
    every_subset,
    subset_id,
    trace_patterns,
)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Subset:
    """One combination of optional apps."""

    apps: tuple[str, ...]

    @property
    def id(self) -> str:
        return subset_id(self.apps)

    @property
    def answers(self) -> dict[str, str]:
        return {
            app.answer: "yes" if name in self.apps else "no"
            for name, app in OPTIONAL_APPS.items()
        }


SUBSETS: list[Subset] = [Subset(apps) for apps in every_subset()]
SUBSET_IDS = [subset.id for subset in SUBSETS]
FULLEST, EMPTIEST = SUBSETS[0], SUBSETS[-1]


def run(
    command: Sequence[str | Path],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output if it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(map(str, command))}` exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-8000:]}\n"
            f"--- stderr ---\n{result.stderr[-8000:]}",
            pytrace=False,
        )
    return result


def passed_tests(result: subprocess.CompletedProcess[str]) -> int:
    """How many tests a bake's ``pytest -q`` passed; none may have failed,
    errored or been skipped."""
    summary = result.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed, summary
    assert not re.search(r"failed|error|skipped|xfailed", summary), summary
    return int(passed.group(1))


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment a bake's commands run in: this one, minus anything that
    would leak into Django or uv from the outside."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "REDIS_", "OPENAI_", "PLAYWRIGHT_", "VIRTUAL_ENV")
        )
        and key not in {"DATABASE_URL", "PYTHONPATH"}
    }
    env.update(extra)
    return env


def shared_environment(bake_python: Path, **extra: str) -> dict[str, str]:
    """A bake's environment in which ``uv run`` uses the shared, already
    installed environment as it is instead of syncing one of its own."""
    return clean_environment(
        UV_NO_SYNC="1", UV_PROJECT_ENVIRONMENT=str(bake_python.parent.parent), **extra
    )


def uv() -> str:
    path = shutil.which("uv")
    assert path, "uv is needed to lock and install the bakes"
    return path


def install_locked(project: Path, env_dir: Path) -> None:
    """Install a bake's runtime and dev dependencies from its own ``uv.lock``."""
    env = clean_environment(UV_PROJECT_ENVIRONMENT=str(env_dir))
    run([uv(), "sync", "--quiet", "--locked", "--python", sys.executable], project, env)


SKIPPED_DIRS = {"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache", ".venv"}


# Third-party files served as published (scripts/vendor_asyncapi.py).
VENDORED = Path("core", "static", "asyncapi")


def text_files(project: Path) -> Iterator[Path]:
    """The bake's own files, without caches, environments and vendored files."""
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        skipped = SKIPPED_DIRS.intersection(relative.parts)
        if path.is_file() and not skipped and not relative.is_relative_to(VENDORED):
            yield path


def find_traces(project: Path, selected: Iterable[str]) -> list[str]:
    """Lines of ``project`` that betray an app outside ``selected``."""
    patterns = trace_patterns(selected)
    traces = []
    for path in text_files(project):
        relative = path.relative_to(project)
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            traces.extend(
                f"{relative}:{number}: {pattern.pattern} in {line.strip()!r}"
                for pattern in patterns
                if pattern.search(line)
            )
    return traces


def proof_module(relative: str) -> ModuleType:
    """A module of the template's ``proofs/`` that imports nothing of Django
    (a bake's settings are not loaded in the meta suite), by its path there."""
    path = TEMPLATE_DIR / "proofs" / relative
    spec = importlib.util.spec_from_file_location(f"proofs_{path.stem}", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(
    port: int, process: subprocess.Popen[Any], what: str, timeout: float = 60
) -> None:
    """Return once ``port`` accepts connections; fail the test if ``process``
    exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not listen on port {port}", pytrace=False)
            time.sleep(0.05)


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop a process by its pid, politely first."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
