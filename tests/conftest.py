"""Shared machinery of the meta suite: the app subsets, bakes, one installed
environment for every bake, and a real Redis server.

Each subset is baked once per session and shared by all its checks; the tests
of one subset run in the same xdist worker (``xdist_group``) so that holds
under ``-n`` too.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from filelock import FileLock

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
HOOKS_DIR = TEMPLATE_DIR / "hooks"

# cookiecutter finds the template's local_extensions.py on its own path while it
# bakes, but pytest-cookies renders the context before that, outside it.
sys.path.insert(0, str(TEMPLATE_DIR))


def load_hook(name: str) -> ModuleType:
    """Import a hook script as a module, without rendering it."""
    spec = importlib.util.spec_from_file_location(name, HOOKS_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


post_gen = load_hook("post_gen_project")
APP_NAMES: tuple[str, ...] = tuple(post_gen.OPTIONAL_APPS)


@dataclass(frozen=True)
class Subset:
    """One combination of optional apps."""

    apps: tuple[str, ...]

    @property
    def id(self) -> str:
        return "+".join(self.apps) or "none"

    @property
    def answers(self) -> dict[str, str]:
        return {
            app.answer: "yes" if name in self.apps else "no"
            for name, app in post_gen.OPTIONAL_APPS.items()
        }


SUBSETS: list[Subset] = [
    Subset(tuple(name for name, chosen in zip(APP_NAMES, mask, strict=True) if chosen))
    for mask in itertools.product((True, False), repeat=len(APP_NAMES))
]
SUBSET_IDS = [subset.id for subset in SUBSETS]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--subset",
        action="append",
        choices=SUBSET_IDS,
        help="run the per-subset checks for this app subset only (repeatable)",
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Keep every test of one subset in one worker, so it is baked once; with
    ``--subset``, drop the other subsets' tests."""
    chosen = config.getoption("subset")
    kept = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        subset = callspec.params.get("subset") if callspec else None
        if isinstance(subset, Subset):
            if chosen and subset.id not in chosen:
                continue
            item.add_marker(pytest.mark.xdist_group(subset.id))
        kept.append(item)
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every xdist worker of this run shares."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    return root


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


@pytest.fixture(scope="session")
def bake_python(shared_dir: Path, cookies_session: Any) -> Path:
    """A virtualenv holding every dependency of the fullest bake, shared by all.

    The full bake's dependencies are a superset of every subset's, so one
    install serves the whole matrix. ``test_fresh_install`` proves each
    subset's own dependency list is complete.
    """
    env_dir = shared_dir / "bake-env"
    python = env_dir / "bin" / "python"
    with FileLock(str(shared_dir / "bake-env.lock")):
        if not python.exists():
            result = cookies_session.bake(extra_context=SUBSETS[0].answers)
            assert result.exit_code == 0, result.exception
            install_project_environment(result.project_path, env_dir)
    return python


def install_project_environment(project: Path, env_dir: Path) -> None:
    """Install a bake's runtime and dev dependencies from its pyproject.toml."""
    uv = shutil.which("uv")
    assert uv, "uv is needed to install the bakes' dependencies"
    env = clean_environment()
    run([uv, "venv", "--quiet", "--python", sys.executable, env_dir], project, env)
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            env_dir / "bin" / "python",
            "--requirements",
            "pyproject.toml",
            "--group",
            "dev",
        ],
        project,
        env,
    )


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
    """Debian's Chromium, for the bakes' browser tests (Playwright's own
    download is not reachable everywhere)."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must install it")
        pytest.skip("chromium is not installed")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
