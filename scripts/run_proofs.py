"""Run the template's production proofs against a bake.

    uv run python scripts/run_proofs.py BAKE [PYTEST ARGS ...]

The proofs (``proofs/<app>/tests/``: real servers, workers, Redis faults, load,
browsers and the exhaustive socket tests) are written against a bake's own
modules but do not ship in it, so a bake stays small and its default
``uv run pytest`` quick. This copies BAKE to a temporary directory, lays the
proofs of ``core`` and of each app the bake has over the copy, and runs pytest
there with the bake's own Python (its ``.venv``, or the one ``BAKE_PYTHON``
names), loading the proofs' pytest plugins. The exit code is pytest's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROOFS = Path(__file__).resolve().parent.parent / "proofs"
# Plugins of the proofs: servers, browsers, Redis-only collection.
PLUGINS = ("core.tests.servers", "core.tests.browser", "core.tests.collection")
SKIPPED = shutil.ignore_patterns(".venv", "__pycache__", ".*_cache")


def overlay(bake: Path, into: Path) -> Path:
    """A copy of ``bake`` at ``into`` with the proofs of its apps laid over it."""
    shutil.copytree(bake, into, ignore=SKIPPED, symlinks=True)
    for app in sorted(PROOFS.iterdir()):
        if app.is_dir() and (into / app.name).is_dir():
            shutil.copytree(app, into / app.name, dirs_exist_ok=True, ignore=SKIPPED)
    return into


def pytest_command(python: Path | str, *arguments: str) -> list[str]:
    """pytest with the proofs' plugins loaded."""
    plugins = [option for name in PLUGINS for option in ("-p", name)]
    return [str(python), "-m", "pytest", *plugins, "-p", "no:cacheprovider", *arguments]


def main() -> int:
    if len(sys.argv) < 2 or not Path(sys.argv[1], "manage.py").is_file():
        sys.stderr.write(__doc__ or "")
        return 2
    bake = Path(sys.argv[1]).resolve()
    python = os.environ.get("BAKE_PYTHON") or str(bake / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="proofs-") as folder:
        copy = overlay(bake, Path(folder) / bake.name)
        # The load test's proof runs the template's scripts/loadtest.py.
        scripts = str(Path(__file__).resolve().parent)
        environment = {
            **os.environ,
            "PYTHONPATH": str(copy),
            "TEMPLATE_SCRIPTS": scripts,
        }
        command = pytest_command(python, *sys.argv[2:])
        return subprocess.call(command, cwd=copy, env=environment)


if __name__ == "__main__":
    sys.exit(main())
