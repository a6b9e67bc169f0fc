"""Count the Python a bake hands its team, per subset, against the size budget.

    uv run python scripts/count_lines.py [BAKE ...]

With no argument it bakes every subset of optional apps into a temporary
directory and prints one row each: code and test lines, the total, and the
largest module. Lines are every line of ``*.py`` files and of the app
template's ``*.py-tpl`` files (Python a reader of the bake reads too), without
migrations. A test line is one in a ``tests/`` package or a ``conftest.py``.
The exit code is 1 when a budget is exceeded; the meta suite runs the same
check (``tests/test_size.py``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE))
from hooks.post_gen_project import OPTIONAL_APPS, every_subset, subset_id  # noqa: E402

# A default bake (every app), the emptiest (core alone), and any one module.
DEFAULT_BUDGET = 5_000
EMPTIEST_BUDGET = 1_800
MODULE_BUDGET = 250

PYTHON_SUFFIXES = (".py", ".py-tpl")
SKIPPED_DIRS = {"migrations", ".venv", "__pycache__", "node_modules"}


@dataclass(frozen=True)
class LineCount:
    code: int
    tests: int
    largest: tuple[int, str]

    @property
    def total(self) -> int:
        return self.code + self.tests


def is_test(relative: Path) -> bool:
    return "tests" in relative.parts or relative.name == "conftest.py"


def count_lines(project: Path) -> LineCount:
    """The Python lines of the bake at ``project``."""
    code = tests = 0
    largest = (0, "")
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.name.endswith(PYTHON_SUFFIXES) or SKIPPED_DIRS & set(
            relative.parts
        ):
            continue
        lines = len(path.read_text().splitlines())
        if is_test(relative):
            tests += lines
        else:
            code += lines
        largest = max(largest, (lines, relative.as_posix()))
    return LineCount(code, tests, largest)


def over_budget(count: LineCount, apps: tuple[str, ...]) -> list[str]:
    """Each budget a bake of ``apps`` exceeds, said plainly; none when it fits.

    Every bake with an app shares the default bake's budget (it holds less
    than the default); the emptiest has its own.
    """
    budget = DEFAULT_BUDGET if apps else EMPTIEST_BUDGET
    problems = []
    if count.total > budget:
        problems.append(f"{count.total} lines, over the budget of {budget}")
    lines, module = count.largest
    if lines > MODULE_BUDGET:
        problems.append(f"{module} has {lines} lines, over {MODULE_BUDGET}")
    return problems


def bake_every_subset(into: Path) -> list[Path]:
    """A bake of every subset of optional apps, each in its own folder."""
    bakes = []
    for apps in every_subset():
        answers = [
            f"{app.answer}={'yes' if name in apps else 'no'}"
            for name, app in OPTIONAL_APPS.items()
        ]
        output = into / subset_id(apps)
        subprocess.run(
            [
                *(sys.executable, "-m", "cookiecutter", "--no-input"),
                *("--output-dir", str(output), str(TEMPLATE), *answers),
            ],
            check=True,
            capture_output=True,
        )
        bakes.extend(output.iterdir())
    return bakes


def apps_of(project: Path) -> tuple[str, ...]:
    """The optional apps the bake at ``project`` has."""
    return tuple(name for name in OPTIONAL_APPS if (project / name).is_dir())


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="count-lines-") as folder:
        given = [Path(bake) for bake in sys.argv[1:]]
        bakes = given or bake_every_subset(Path(folder))
        print(f"{'apps':<24} {'code':>5} {'tests':>5} {'total':>5}  largest module")
        failed = False
        for project in bakes:
            apps = apps_of(project)
            count = count_lines(project)
            lines, module = count.largest
            print(
                f"{subset_id(apps):<24} {count.code:>5} {count.tests:>5} "
                f"{count.total:>5}  {module} ({lines})"
            )
            for problem in over_budget(count, apps):
                print(f"  over budget: {problem}")
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
