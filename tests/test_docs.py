"""A bake's README reads in five minutes and its docs/ hold the rest, for every
subset: no link to a page the subset pruned, one server command everywhere."""

from __future__ import annotations

import re
from pathlib import Path

README_MOST_LINES = 200
# A relative Markdown link target: a page, maybe with an anchor.
LOCAL_LINK = re.compile(r"\]\((?!https?://|#)([^)#\s]+)(?:#[^)]*)?\)")
SERVER_COMMAND = re.compile(
    r"^uv run uvicorn config\.asgi:application[^\n]*(?:\\\n[^\n]*)*", re.M
)


def pages(project: Path) -> list[Path]:
    return [project / "README.md", *sorted((project / "docs").glob("*.md"))]


def test_the_readme_is_short(project: Path) -> None:
    lines = (project / "README.md").read_text().splitlines()
    assert len(lines) <= README_MOST_LINES, f"{len(lines)} lines"


def test_every_link_between_pages_resolves(project: Path) -> None:
    broken = [
        f"{page.relative_to(project)}: {target}"
        for page in pages(project)
        for target in LOCAL_LINK.findall(page.read_text())
        if not (page.parent / target).exists()
    ]
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_listed_in_the_readme(project: Path) -> None:
    readme = (project / "README.md").read_text()
    unlisted = [
        page.name
        for page in (project / "docs").glob("*.md")
        if f"(docs/{page.name})" not in readme
    ]
    assert not unlisted


def test_the_readme_and_the_production_page_give_one_server_command(
    project: Path,
) -> None:
    readme = SERVER_COMMAND.findall((project / "README.md").read_text())
    production = (project / "docs" / "production.md").read_text()
    assert len(readme) == 1
    assert SERVER_COMMAND.findall(production) == readme
