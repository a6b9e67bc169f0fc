"""Answers: bad ones stop the bake cleanly; every good one bakes."""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from bakery import TEMPLATE_DIR, Subset, clean_environment, run

from hooks.post_gen_project import OPTIONAL_APPS
from hooks.pre_gen_project import SLUG_MAX_LENGTH
from local_extensions import python_literal

BAD_ANSWERS = [
    ({"project_slug": "My-Project"}, "project_slug", "lowercase Python identifier"),
    ({"project_slug": "2nd_try"}, "project_slug", "lowercase Python identifier"),
    ({"project_slug": "a" * 73}, "project_slug", "at most 72 characters"),
    ({"project_slug": "uvicorn"}, "project_slug", "depends on a package"),
    ({"project_slug": "pytest_django"}, "project_slug", "depends on a package"),
    ({"author_email": "nobody"}, "author_email", "name@example.com"),
    ({"project_name": "   "}, "project_name", "give the project a name"),
]


def bake_with_cli(
    output: Path, answers: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Bake as a user would, through cookiecutter's command line."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "--output-dir",
            str(output),
            str(TEMPLATE_DIR),
            *(f"{key}={value}" for key, value in answers.items()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("answers", "question", "allowed"),
    BAD_ANSWERS,
    ids=[f"{q}={next(iter(a.values()))!r}" for a, q, _ in BAD_ANSWERS],
)
def test_bad_answer_stops_the_bake_and_leaves_nothing(
    tmp_path: Path, answers: dict[str, str], question: str, allowed: str
) -> None:
    result = bake_with_cli(tmp_path, answers)

    assert result.returncode != 0
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"ERROR: {question}=")
    assert repr(next(iter(answers.values()))) in errors[0]
    assert allowed in errors[0]
    # cookiecutter's own report follows on stdout, as the README says.
    assert (
        result.stdout.strip().splitlines()[-1] == "Hook script failed (exit status: 1)"
    )
    assert list(tmp_path.iterdir()) == []


def test_bad_yes_no_stops_cookiecutter_as_the_readme_says(tmp_path: Path) -> None:
    result = bake_with_cli(tmp_path, {"use_chat": "maybe"})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        "ValueError: maybe provided for variable use_chat"
        " could not be converted to a boolean."
    )
    assert last_line in (TEMPLATE_DIR / "README.md").read_text()
    assert list(tmp_path.iterdir()) == []


def test_bad_yes_no_at_the_prompt_is_asked_again(tmp_path: Path) -> None:
    typed = ["Asked Twice", "", "", "", "", "maybe", "n", "", ""]
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "-o", str(tmp_path), str(TEMPLATE_DIR)],
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Please enter Y or N" in result.stdout
    project = tmp_path / "asked_twice"
    assert not (project / "chat").exists()
    assert (project / "assistants").is_dir()


@pytest.mark.parametrize("value", ["n", "no", "false", "0", "off"])
def test_no_on_the_command_line_leaves_the_app_out(tmp_path: Path, value: str) -> None:
    result = bake_with_cli(tmp_path, {"use_chat": value})

    assert result.returncode == 0, result.stderr
    project = tmp_path / "chanx_project"
    for name, app in OPTIONAL_APPS.items():
        for path in app.paths:
            assert (project / path).exists() == (name != "chat"), path


def test_defaults_select_every_app(tmp_path: Path) -> None:
    result = bake_with_cli(tmp_path, {})

    assert result.returncode == 0, result.stderr
    project = tmp_path / "chanx_project"
    assert all((project / app).is_dir() for app in ("chat", "assistants", "system"))


def test_next_steps_name_the_project_under_the_output_dir(tmp_path: Path) -> None:
    """The message goes to stderr, out of any output a tool compares, and its
    ``cd`` reaches the project from wherever the user ran cookiecutter."""
    result = subprocess.run(
        [
            *(sys.executable, "-m", "cookiecutter", "--no-input"),
            *("--output-dir", "out/nested", TEMPLATE_DIR, "project_slug=shop"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Next:" not in result.stdout
    steps = [line.strip() for line in result.stderr.splitlines()]
    cd = next(line for line in steps if line.startswith("cd "))
    target = Path(shlex.split(cd)[1])
    assert target == tmp_path / "out" / "nested" / "shop"
    assert (target / "manage.py").is_file()
    assert steps.index("git init") < steps.index("uv run pre-commit install")
    assert "uv run python manage.py runserver" in steps


def test_prompts_cover_every_question() -> None:
    context: dict[str, Any] = json.loads(
        (TEMPLATE_DIR / "cookiecutter.json").read_text()
    )
    questions = {key for key in context if not key.startswith("_")}
    assert questions == set(context["__prompts__"])


def test_answers_reach_the_project(cookies: Any) -> None:
    result = cookies.bake(
        extra_context={
            "project_name": "Ledger Live",
            "description": "Books that balance themselves.",
            "author_name": "Grace Hopper",
            "author_email": "grace@example.org",
            "use_chat": "no",
            "use_assistants": "no",
            "use_system": "no",
        }
    )

    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert project.name == "ledger_live"
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == "ledger_live"
    assert metadata["description"] == "Books that balance themselves."
    assert metadata["authors"] == [
        {"name": "Grace Hopper", "email": "grace@example.org"}
    ]
    assert "# Ledger Live" in (project / "README.md").read_text()
    assert (
        'PROJECT_NAME = "Ledger Live"'
        in (project / "config" / "settings" / "base.py").read_text()
    )


def assert_files_parse(project: Path) -> None:
    """Every Python, TOML, YAML and JSON file of the bake is still valid."""
    for path in project.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yaml", ".yml"}:
            yaml.safe_load(text)
        elif path.suffix == ".json":
            json.loads(text)


def settings_value(project: Path, name: str) -> Any:
    """Evaluate one ``NAME = "literal"`` line of the bake's base settings."""
    base = (project / "config" / "settings" / "base.py").read_text()
    line = next(line for line in base.splitlines() if line.startswith(f"{name} ="))
    namespace: dict[str, Any] = {}
    exec(line, namespace)
    return namespace[name]


AWKWARD = {
    "project_name": 'L\'Équipe "Temps Réel" ' + "très " * 20 + "longue",
    "project_slug": "equipe_" + "x" * (SLUG_MAX_LENGTH - len("equipe_")),
    "description": 'Say "hi" to a \\ backslash, {braces} and ünïcödé ' + "~" * 60,
    "author_name": "Zoë O'Brien",
    "author_email": "zoe+ok@example.org",
}


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "it's",
        'say "hi"',
        "both ' and \"",
        'more "double" than \'',
        "back\\slash \\",
        "tab\there",
        "Zoë 🚀",
    ],
)
def test_python_literal_is_the_formatters_own_spelling(
    value: str, tmp_path: Path
) -> None:
    source = f"VALUE = {python_literal(value)}\n"
    assert ast.literal_eval(source.partition(" = ")[2]) == value
    module = tmp_path / "value.py"
    module.write_text(source)
    run([sys.executable, "-m", "ruff", "format", "--check", module], tmp_path)


@pytest.fixture(scope="module")
def awkward_bake(cookies_session: Any) -> Path:
    """Quotes, backslashes, non-ASCII and the longest slug, with the one app
    whose code holds the slug."""
    answers = {**AWKWARD, **Subset(("system",)).answers}
    result = cookies_session.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


def test_awkward_answers_make_valid_files(awkward_bake: Path) -> None:
    assert_files_parse(awkward_bake)
    assert awkward_bake.name == AWKWARD["project_slug"]
    pyproject = tomllib.loads((awkward_bake / "pyproject.toml").read_text())
    metadata = pyproject["project"]
    assert metadata["description"] == AWKWARD["description"]
    assert metadata["authors"][0]["name"] == AWKWARD["author_name"]
    assert settings_value(awkward_bake, "PROJECT_NAME") == AWKWARD["project_name"]


def test_awkward_answers_pass_the_bakes_checks(
    awkward_bake: Path, bake_python: Path
) -> None:
    """The bake's first CI steps: ruff, then its own tests."""
    ruff = bake_python.parent / "ruff"
    run([ruff, "check", "--no-cache", "."], awkward_bake)
    run([ruff, "format", "--check", "--no-cache", "."], awkward_bake)
    tests = run(
        [bake_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        awkward_bake,
        clean_environment(),
    )
    assert re.search(r"\d+ passed", tests.stdout.strip().splitlines()[-1])


def test_jinja_like_braces_typed_at_the_prompt_are_kept(tmp_path: Path) -> None:
    """Typed answers are not rendered, so braces reach the files as written."""
    description = "Templating with {{ braces }} and {% tags %} stays literal"
    typed = ["Brace Works", "", description, "", "", "", "", ""]
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "-o", str(tmp_path), str(TEMPLATE_DIR)],
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    project = tmp_path / "brace_works"
    assert_files_parse(project)
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == description
