"""Upgrades: a bake records the template version it came from, and a project
baked with cruft takes a later template change with ``cruft update``.

The template is copied, working tree as it is, into a git repository of its
own, as a user's clone would be; one subset (``none``) keeps it fast.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from bakery import EMPTIEST, TEMPLATE_DIR, run, shared_environment

from hooks.post_gen_project import TEMPLATE_VERSION, VERSION_FILE

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache"
)
CRUFT = [sys.executable, "-m", "cruft"]


def git(repo: Path, *args: str) -> str:
    git = shutil.which("git")
    assert git, "git is needed for cruft"
    return run([git, "-C", repo, *args], repo).stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(
        repo,
        *("-c", "user.name=Maintainer", "-c", "user.email=m@example.com"),
        *("commit", "--quiet", "-m", message),
    )


def test_template_version_is_one_number_everywhere(cookies: Any) -> None:
    pyproject = tomllib.loads((TEMPLATE_DIR / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == TEMPLATE_VERSION
    changelog = (TEMPLATE_DIR / "CHANGELOG.md").read_text()
    latest = re.search(r"^## (\S+)", changelog, re.MULTILINE)
    assert latest and latest.group(1) == TEMPLATE_VERSION

    result = cookies.bake(extra_context=EMPTIEST.answers)
    assert result.exit_code == 0, result.exception
    version_file = Path(result.project_path) / VERSION_FILE
    assert version_file.read_text() == f"{TEMPLATE_VERSION}\n"


@pytest.fixture
def template_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "chanx-template"
    shutil.copytree(TEMPLATE_DIR, clone, ignore=IGNORED)
    git(clone, "init", "--quiet", "--initial-branch", "main")
    commit_all(clone, "the template as it is")
    return clone


def test_cruft_update_applies_a_template_change_cleanly(
    template_clone: Path, tmp_path: Path, bake_python: Path
) -> None:
    env = shared_environment(bake_python)
    out = tmp_path / "out"
    out.mkdir()
    run(
        [
            *(*CRUFT, "create", template_clone, "--no-input"),
            *("--output-dir", out, "--extra-context", json.dumps(EMPTIEST.answers)),
        ],
        tmp_path,
        env,
    )
    project = out / "chanx_project"
    git(project, "init", "--quiet")
    commit_all(project, "first")
    # cruft re-bakes the template to compare; the hook's message stays out of
    # the diff, which is empty for an untouched project.
    diff = run([*CRUFT, "diff", "--exit-code"], project, env)
    assert diff.stdout == ""

    bake_readme = template_clone / "{{cookiecutter.project_slug}}" / "README.md"
    bake_readme.write_text(bake_readme.read_text() + "\nA note from the template.\n")
    hook = template_clone / "hooks" / "post_gen_project.py"
    hook.write_text(
        hook.read_text().replace(
            f'TEMPLATE_VERSION = "{TEMPLATE_VERSION}"', 'TEMPLATE_VERSION = "99.0.0"'
        )
    )
    commit_all(template_clone, "a template change")

    run([*CRUFT, "update", "--skip-apply-ask"], project, env)

    assert (project / "README.md").read_text().endswith("A note from the template.\n")
    assert (project / VERSION_FILE).read_text() == "99.0.0\n"
    assert not list(project.rglob("*.rej"))
    run([*CRUFT, "check"], project, env)
    tests = run(
        [bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env
    )
    assert re.search(r"\d+ passed", tests.stdout.strip().splitlines()[-1])
