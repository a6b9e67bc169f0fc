"""Refresh the ``uv.lock`` every app subset ships: ``uv run python scripts/lock_bakes.py``.

Each subset is baked without the hooks into a temporary directory, its apps
pruned as the post-generation hook would, its current lock put back, and
``uv lock`` run there; the result replaces the template's copy. Pins that still
satisfy the bake's ``pyproject.toml`` are kept: pass ``--upgrade`` to move every
package to its newest allowed version.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE_DIR))

from hooks.post_gen_project import (  # noqa: E402
    LOCKS_DIR,
    OPTIONAL_APPS,
    every_subset,
    paths_to_remove,
    remove,
    subset_id,
)

LOCKS = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / LOCKS_DIR


def lock_subset(apps: tuple[str, ...], workdir: Path, upgrade: bool) -> Path:
    """Bake ``apps`` with the default answers, lock it and return the lock."""
    answers = {
        app.answer: "yes" if name in apps else "no"
        for name, app in OPTIONAL_APPS.items()
    }
    project = Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            extra_context=answers,
            output_dir=str(workdir),
            accept_hooks=False,
        )
    )
    remove(project, [*paths_to_remove(apps), LOCKS_DIR])
    shipped = LOCKS / f"{subset_id(apps)}.lock"
    if shipped.exists():
        shutil.copyfile(shipped, project / "uv.lock")
    command = ["uv", "lock", "--quiet", *(["--upgrade"] if upgrade else [])]
    subprocess.run(command, cwd=project, check=True)
    return project / "uv.lock"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upgrade", action="store_true", help="move every pin to its newest version"
    )
    upgrade = parser.parse_args().upgrade
    LOCKS.mkdir(exist_ok=True)
    for apps in every_subset():
        with tempfile.TemporaryDirectory() as workdir:
            lock = lock_subset(apps, Path(workdir), upgrade)
            shutil.copyfile(lock, LOCKS / f"{subset_id(apps)}.lock")
        print(f"locked {subset_id(apps)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
