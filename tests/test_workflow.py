"""The template's own CI shards the same suite that .ci/run runs."""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from bakery import SUBSET_IDS, TEMPLATE_DIR, run

WORKFLOW = TEMPLATE_DIR / ".github" / "workflows" / "bake.yml"
CI_SCRIPT = TEMPLATE_DIR / ".ci" / "run"
README = TEMPLATE_DIR / "README.md"


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())  # type: ignore[no-any-return]


def commands(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def readme_test_command() -> str:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.DOTALL)
    test_commands = [block.strip() for block in blocks if "pytest" in block]
    assert len(test_commands) == 1, test_commands
    return test_commands[0]


def test_ci_script_runs_the_readme_test_command() -> None:
    lines = [line.strip() for line in CI_SCRIPT.read_text().splitlines()]
    assert lines[-1] == readme_test_command()


def test_matrix_names_every_subset() -> None:
    matrix = workflow()["jobs"]["bake"]["strategy"]["matrix"]
    assert sorted(matrix["subset"]) == sorted(SUBSET_IDS)


def test_matrix_covers_the_pythons_the_projects_support() -> None:
    matrix = workflow()["jobs"]["bake"]["strategy"]["matrix"]
    assert "3.11" in matrix["python"]


def test_shards_run_the_ci_command_for_their_subset() -> None:
    bake_commands = commands(workflow()["jobs"]["bake"])
    expected = f"{readme_test_command()} --subset ${{{{ matrix.subset }}}}"
    assert expected in bake_commands


def test_template_code_is_ruff_clean() -> None:
    paths = ["hooks", "tests", "local_extensions.py"]
    ruff = [sys.executable, "-m", "ruff"]
    run([*ruff, "check", "--no-cache", *paths], TEMPLATE_DIR)
    run([*ruff, "format", "--check", "--no-cache", *paths], TEMPLATE_DIR)
