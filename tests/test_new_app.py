"""A new realtime app from the bake's app template, made as docs/adding-an-app.md
says, works in the fullest and the emptiest bakes: one with a page and one
socket-only, side by side.

Each runs on a copy of the subset's bake, with the shared environment.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from bakery import EMPTIEST, FULLEST, clean_environment, passed_tests, run

GUIDE = Path("docs", "adding-an-app.md")
WITH_PAGE, SOCKET_ONLY = "notifications", "alerts"


def documented_startapp(project: Path) -> list[str]:
    """The guide's startapp command, for the app it names."""
    guide = (project / GUIDE).read_text()
    match = re.search(r"^uv run python (manage\.py startapp \S+ .*)$", guide, re.M)
    assert match, "the guide gives no startapp command"
    return match.group(1).split()


def documented_installed_app(project: Path) -> str:
    """The guide's ``INSTALLED_APPS`` line."""
    match = re.search(
        r'^    "\w+\.apps\.\w+Config",$', (project / GUIDE).read_text(), re.M
    )
    assert match, "the guide gives no INSTALLED_APPS line"
    return match.group(0)


def install(project: Path, line: str) -> None:
    """Add ``line`` at the end of ``INSTALLED_APPS``, after the other apps."""
    settings = project / "config" / "settings" / "base.py"
    text = settings.read_text()
    start = text.index("INSTALLED_APPS = [")
    end = text.index("\n]\n", start)
    settings.write_text(f"{text[:end]}\n{line}{text[end:]}")


def make_app(copy: Path, bake_python: Path, name: str) -> None:
    """Run the guide's commands for an app called ``name``."""
    command = [word.replace(WITH_PAGE, name) for word in documented_startapp(copy)]
    run([bake_python, *command], copy, clean_environment())
    line = documented_installed_app(copy).replace(WITH_PAGE, name)
    install(copy, line.replace(WITH_PAGE.title(), name.title()))


def make_socket_only(app: Path) -> None:
    """What the guide's "A page, or a socket only" deletes and sets."""
    for page_part in ("urls.py", "views.py", f"tests/test_{app.name}_page.py"):
        (app / page_part).unlink()
    for folder in ("templates", "static"):
        shutil.rmtree(app / folder)
    config = app / "apps.py"
    text = config.read_text()
    assert f'page_url_name = "{app.name}:index"' in text
    config.write_text(
        text.replace(f'page_url_name = "{app.name}:index"', "page_url_name = None")
    )


def django_report(copy: Path, bake_python: Path) -> dict[str, Any]:
    probe = Path(__file__).with_name("django_probe.py")
    result = run([bake_python, probe], copy, clean_environment())
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


# The app template and the code that registers a new app are core's, the same
# in every subset: the fullest and the emptiest bakes bound what it meets.
@pytest.mark.parametrize("subset", [FULLEST, EMPTIEST], ids=lambda subset: subset.id)
def test_a_new_app_works_as_the_guide_says(
    project: Path, bake_python: Path, tmp_path: Path
) -> None:
    copy = tmp_path / project.name
    shutil.copytree(project, copy)
    assert documented_startapp(copy)[2] == WITH_PAGE
    make_app(copy, bake_python, WITH_PAGE)
    make_app(copy, bake_python, SOCKET_ONLY)
    make_socket_only(copy / SOCKET_ONLY)

    report = django_report(copy, bake_python)
    assert report["check"]["ok"], report["check"]["output"]
    assert report["makemigrations"]["ok"], report["makemigrations"]["output"]
    schema = report["schema"]["output"]
    addresses = re.findall(r'"address": "ws/(\w+)/', schema)
    assert {WITH_PAGE, SOCKET_ONLY} <= set(addresses), addresses
    html = report["landing"]["html"]
    assert f'href="/{WITH_PAGE}/"' in html
    assert f'href="/{SOCKET_ONLY}/"' not in html
    assert f"<code>/ws/{SOCKET_ONLY}/</code>" in html

    result = run(
        [
            *(bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *(WITH_PAGE, SOCKET_ONLY, "core/tests/test_pages.py"),
        ],
        copy,
        clean_environment(),
    )
    passed_tests(result)

    ruff = bake_python.parent / "ruff"
    run([ruff, "check", "--no-cache", WITH_PAGE, SOCKET_ONLY], copy)
    run([ruff, "format", "--check", "--no-cache", WITH_PAGE, SOCKET_ONLY], copy)
