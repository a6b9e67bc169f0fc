"""A bake installs from its own ``uv.lock`` alone, as its README says.

The rest of the suite shares one environment, installed from the fullest bake's
own lock (``conftest.bake_python``), so every suite run there proves that lock.
Here the emptiest bake, whose lock differs most from it, gets a fresh one from
``uv sync --locked`` and runs its tests there (``uv run --no-sync pytest``), so
a dependency missing from its lock fails here.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from bakery import EMPTIEST, Subset, clean_environment, passed_tests, run


@pytest.mark.parametrize("fresh", [EMPTIEST], ids=lambda s: s.id)
def test_bake_installs_and_passes_from_its_own_lock(
    cookies: Any, fresh: Subset
) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed to install a bake"
    result = cookies.bake(extra_context=fresh.answers)
    assert result.exit_code == 0, result.exception
    project: Path = result.project_path
    env = clean_environment()

    run([uv, "sync", "--quiet", "--locked"], project, env)
    tests = run(
        [uv, "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], project, env
    )

    passed_tests(tests)
