"""The production proofs (``proofs/``), run against bakes.

They used to ship in every bake; they prove the same app code in every
subset, so each runs where its code is: the fullest bake (every app) and the
emptiest (``core`` alone). ``scripts/run_proofs.py`` lays them over a copy of
the bake and runs them with the bake's Python.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bakery import (
    EMPTIEST,
    FULLEST,
    TEMPLATE_DIR,
    Subset,
    clean_environment,
    passed_tests,
    proof_module,
    run,
)

sys.path.insert(0, str(TEMPLATE_DIR / "scripts"))
from run_proofs import PROOFS, overlay, pytest_command

# The fullest bake's proofs, a few apps' at a time so that workers run them
# side by side: they mostly wait (for servers to start, Redis to come back, a
# killed worker's job to be redelivered) rather than compute.
SHARDS = [("chat",), ("system",), ("core", "assistants"), ("deploy",)]


def needing_redis() -> set[str]:
    """The proof modules that need Redis, as the proofs' collection plugin
    lists them (it cannot leave out modules named on the command line)."""
    module = proof_module("core/tests/collection.py")
    return set(module.NEEDING_REDIS)


def proof_modules(apps: tuple[str, ...], redis: bool = True) -> list[str]:
    """The proof modules of ``apps``, relative to a bake's root; without
    ``redis``, those that run without it."""
    modules = {
        path.relative_to(PROOFS).as_posix()
        for app in apps
        for path in (PROOFS / app / "tests").glob("test_*.py")
    }
    return sorted(modules if redis else modules - needing_redis())


def run_proofs(
    project: Path,
    bake_python: Path,
    tmp_path: Path,
    modules: list[str],
    *options: str,
    **environment: str,
) -> None:
    assert modules, "no proof module to run: pytest would run the whole bake"
    copy = overlay(project, tmp_path / project.name)
    result = run(
        pytest_command(bake_python, "-q", *options, *modules),
        copy,
        clean_environment(
            PYTHONPATH=str(copy),
            TEMPLATE_SCRIPTS=str(TEMPLATE_DIR / "scripts"),
            **environment,
        ),
    )
    passed_tests(result)


def test_every_app_with_proofs_is_in_a_shard() -> None:
    proven = {path.parent.parent.name for path in PROOFS.glob("*/tests/test_*.py")}
    assert proven == {app for shard in SHARDS for app in shard}
    # Each module listed as needing Redis is a proof module.
    assert needing_redis() <= set(proof_modules(tuple(proven)))


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
@pytest.mark.parametrize("apps", SHARDS, ids="+".join)
def test_proofs_pass_on_redis(
    project: Path,
    bake_python: Path,
    redis_url: str,
    apps: tuple[str, ...],
    tmp_path: Path,
) -> None:
    run_proofs(
        project,
        bake_python,
        tmp_path,
        proof_modules(apps),
        "-m",
        "not e2e",
        REDIS_URL=redis_url,
    )


@pytest.mark.parametrize("subset", [FULLEST, EMPTIEST], ids=lambda subset: subset.id)
def test_proofs_pass_without_redis(
    project: Path, subset: Subset, bake_python: Path, tmp_path: Path
) -> None:
    modules = proof_modules(("core", *subset.apps), redis=False)
    run_proofs(project, bake_python, tmp_path, modules, "-m", "not e2e")


@pytest.mark.parametrize("subset", [FULLEST, EMPTIEST], ids=lambda subset: subset.id)
def test_browser_proofs_pass(
    project: Path,
    subset: Subset,
    bake_python: Path,
    redis_url: str,
    chromium: str,
    tmp_path: Path,
) -> None:
    modules = proof_modules(("core", *subset.apps))
    run_proofs(
        project,
        bake_python,
        tmp_path,
        modules,
        "-m",
        "e2e",
        REDIS_URL=redis_url,
        PLAYWRIGHT_CHROMIUM_EXECUTABLE=chromium,
    )


# A flake that fails one run in 20 of these modules (as chanx's late hang-up
# did with Redis) survives 20 repeats with a chance of 0.95**20, about 36 %.
# They run as two processes of 10 repeats, side by side on two workers.
SOCKET_TEST_REPEATS = 10


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
@pytest.mark.parametrize("process", [1, 2])
def test_socket_tests_hold_repeatedly_against_redis(
    project: Path, bake_python: Path, redis_url: str, process: int, tmp_path: Path
) -> None:
    """The fullest bake's socket-test modules, run again and again in one
    process against one Redis: state a test leaves behind in the channel layer
    (a lock bound to a closed loop, a consumer still in its groups) fails a
    later repeat."""
    copy = overlay(project, tmp_path / project.name)
    modules = sorted(
        str(path.relative_to(copy)) for path in copy.glob("*/tests/test_*_consumer.py")
    )
    # The tutorial's three and the base's own (a proof).
    assert len(modules) == 4, modules
    result = run(
        pytest_command(
            bake_python, "-q", "--keep-duplicates", *modules * SOCKET_TEST_REPEATS
        ),
        copy,
        clean_environment(REDIS_URL=redis_url, PYTHONPATH=str(copy)),
    )
    assert passed_tests(result) % SOCKET_TEST_REPEATS == 0, result.stdout


@pytest.mark.parametrize("subset", [FULLEST], ids=lambda subset: subset.id)
def test_proofs_pass_the_bakes_linters_and_type_checker(
    project: Path, bake_python: Path, shared_dir: Path, tmp_path: Path
) -> None:
    """The proofs are held to the bake's own ruff and strict mypy settings,
    as they were when they shipped in it."""
    copy = overlay(project, tmp_path / project.name)
    tools = bake_python.parent
    run([tools / "ruff", "check", "--no-cache", "."], copy, clean_environment())
    run(
        [tools / "ruff", "format", "--check", "--no-cache", "."],
        copy,
        clean_environment(),
    )
    cache = shared_dir / "mypy-cache-proofs"
    run(
        [bake_python, "-m", "mypy", "--cache-dir", cache, "."],
        copy,
        clean_environment(),
    )
