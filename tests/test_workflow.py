"""The template's own CI shards the same suite that .ci/run runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path
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


def test_shards_get_a_browser_that_runs_on_githubs_ubuntu() -> None:
    """Playwright's own Chromium, with its system libraries, handed to the
    suite through the variable its ``chromium`` fixture reads."""
    script = "\n".join(commands(workflow()["jobs"]["bake"]))
    assert "playwright install --with-deps chromium" in script
    assert "PLAYWRIGHT_CHROMIUM_EXECUTABLE=" in script
    assert "$GITHUB_ENV" in script
    assert "apt-get install -y redis-server nginx postgresql\n" in script + "\n"


def test_ci_script_works_as_root_or_through_sudo_without_system_pip() -> None:
    script = CI_SCRIPT.read_text()
    assert "SUDO=sudo" in script
    assert "$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install" in script
    assert "python3 -m venv" in script
    assert not re.search(r"^\s*(python3 -m )?pip3? install", script, re.MULTILINE)


def test_template_code_is_ruff_clean() -> None:
    paths = ["hooks", "tests", "scripts", "local_extensions.py"]
    ruff = [sys.executable, "-m", "ruff"]
    run([*ruff, "check", "--no-cache", *paths], TEMPLATE_DIR)
    run([*ruff, "format", "--check", "--no-cache", *paths], TEMPLATE_DIR)


def test_the_workflow_passes_zizmor_and_its_schema() -> None:
    tools = Path(sys.executable).parent
    run([tools / "zizmor", "--offline", "--no-progress", WORKFLOW], TEMPLATE_DIR)
    schema = "vendor.github-workflows"
    run(
        [tools / "check-jsonschema", "--builtin-schema", schema, WORKFLOW], TEMPLATE_DIR
    )
