"""What a bake ships for a team and a deployment: production settings, type
checks, the Docker files, the CI workflow and the pre-commit hooks.

No Docker engine runs here, and no GitHub runner: the Dockerfile, compose.yaml
and the workflow are parsed, and every service, command, module and path they
name is checked against the bake.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from bakery import (
    EMPTIEST,
    FULLEST,
    SUBSETS,
    Subset,
    clean_environment,
    free_port,
    proof_module,
    run,
    shared_environment,
)

PRODUCTION = "config.settings.production"
REQUIRED_PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": PRODUCTION,
    "DJANGO_ALLOWED_HOSTS": "example.com",
}
SETTINGS_VARIABLE = re.compile(r"\benv(?:\.\w+|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"")
VARIABLE_ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|", re.MULTILINE)


def production_env(**extra: str) -> dict[str, str]:
    return clean_environment(
        **REQUIRED_PRODUCTION_ENV, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **extra
    )


def module_path(project: Path, dotted: str) -> Path:
    """The file of a module of the bake, given its dotted name."""
    base = project.joinpath(*dotted.split("."))
    package = base / "__init__.py"
    return package if package.exists() else base.with_suffix(".py")


def assert_module_exists(project: Path, dotted: str) -> None:
    assert module_path(project, dotted).is_file(), f"no module {dotted} in the bake"


def assert_app_target(project: Path, target: str) -> None:
    """``module:attribute`` names a module of the bake that defines the attribute."""
    module, _, attribute = target.partition(":")
    assert_module_exists(project, module)
    source = module_path(project, module).read_text()
    assert re.search(rf"^{attribute}\s*[:=]", source, re.MULTILINE), target


# --- production settings ------------------------------------------------------


def test_deploy_check_is_clean(project: Path, bake_python: Path) -> None:
    run(
        [bake_python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        project,
        production_env(),
    )


def test_production_without_a_secret_key_stops_with_one_clear_line(
    project: Path, bake_python: Path
) -> None:
    result = subprocess.run(
        [bake_python, "manage.py", "check"],
        cwd=project,
        env=clean_environment(**REQUIRED_PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("DJANGO_SECRET_KEY is not set"), result.stderr


# --- type checks --------------------------------------------------------------


# mypy on every subset (a pruned app must leave every import typed); pyright,
# the second opinion on the same code, on the fullest and the emptiest.
TYPE_CHECKS = [("mypy", subset) for subset in SUBSETS] + [
    ("pyright", subset) for subset in (FULLEST, EMPTIEST)
]


@pytest.mark.parametrize(
    ("checker", "subset"),
    TYPE_CHECKS,
    ids=[f"{subset.id}-{checker}" for checker, subset in TYPE_CHECKS],
)
def test_type_checks_pass(
    project: Path, bake_python: Path, checker: str, shared_dir: Path
) -> None:
    """The bake's own mypy and pyright configuration, on the whole bake.

    mypy keeps one cache per xdist worker across the subsets: what it learnt
    of Django and the other libraries holds for every bake, and a module whose
    source differs is checked again, as after any edit.
    """
    if checker == "mypy":
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        cache = shared_dir / f"mypy-cache-{worker}"
        command = [bake_python, "-m", "mypy", "--cache-dir", cache, "."]
    else:
        command = [bake_python.parent / "pyright", "--pythonpath", bake_python]
    run(command, project, clean_environment())


def test_type_checkers_are_configured(project: Path, subset: Subset) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["mypy"]["strict"] is True
    assert pyproject["tool"]["pyright"]["typeCheckingMode"] in {"standard", "strict"}
    dev = " ".join(pyproject["dependency-groups"]["dev"])
    for tool in ("mypy", "django-stubs", "pyright", "types-channels"):
        assert tool in dev, tool
    assert ("celery-types" in dev) == ("system" in subset.apps)


# --- Dockerfile ---------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int


def dockerfile_instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments gone."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].strip() + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(keyword.upper(), arguments.strip(), stage))
    assert not pending, "the last instruction ends with a continuation"
    return instructions


def command_words(arguments: str) -> list[str]:
    """An exec-form (JSON) or shell-form command as a list of words."""
    if arguments.startswith("["):
        words = json.loads(arguments)
        assert all(isinstance(word, str) for word in words), arguments
        return list(words)
    return shlex.split(arguments)


def split_flags(arguments: str) -> tuple[dict[str, str], list[str]]:
    """``--name=value`` flags, then the other words."""
    flags: dict[str, str] = {}
    words = shlex.split(arguments)
    while words and words[0].startswith("--"):
        name, _, value = words.pop(0)[2:].partition("=")
        flags[name] = value
    return flags, words


@pytest.fixture
def dockerfile(project: Path) -> list[Instruction]:
    return dockerfile_instructions((project / "Dockerfile").read_text())


def test_dockerfile_is_multi_stage_and_built_with_uv(
    project: Path, dockerfile: list[Instruction]
) -> None:
    stages = [
        shlex.split(step.arguments) for step in dockerfile if step.keyword == "FROM"
    ]
    assert len(stages) >= 2
    names = set()
    for words in stages:
        assert len(words) == 3 and words[1].upper() == "AS", words
        names.add(words[2])
    runs = [step for step in dockerfile if step.keyword == "RUN"]
    assert any("uv sync" in step.arguments for step in runs)
    syncs = [step.arguments for step in runs if "uv sync" in step.arguments]
    assert all("--no-dev" in sync and "--locked" in sync for sync in syncs), syncs
    for step in dockerfile:
        if step.keyword != "COPY":
            continue
        flags, words = split_flags(step.arguments)
        sources = words[:-1]
        assert sources and words[-1], step.arguments
        if "from" in flags:
            # Another stage, or an image such as uv's.
            assert flags["from"] in names or "/" in flags["from"], step.arguments
            continue
        for source in sources:
            assert (project / source).exists(), f"COPY names missing {source}"


def test_dockerfile_runs_as_a_user_with_a_health_check(
    project: Path, dockerfile: list[Instruction]
) -> None:
    final = dockerfile[-1].stage
    last_stage = [step for step in dockerfile if step.stage == final]
    users = [step.arguments for step in last_stage if step.keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, users

    checks = [step.arguments for step in last_stage if step.keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    _, _, probe = checks[0].partition("CMD ")
    probe_url = re.search(r"https?://[^'\"\s]+", probe)
    assert probe_url, probe
    health = (project / "core" / "health.py").read_text()
    path = re.search(r"HEALTH_PATH = \"([^\"]+)\"", health)
    assert path and probe_url.group().endswith(path.group(1)), probe


def test_dockerfile_collects_static_files_and_serves_the_asgi_app(
    project: Path, dockerfile: list[Instruction]
) -> None:
    collect = [
        step.arguments
        for step in dockerfile
        if step.keyword == "RUN" and "collectstatic" in step.arguments
    ]
    assert len(collect) == 1
    words = shlex.split(collect[0])
    assert (project / words[words.index("collectstatic") - 1]).name == "manage.py"
    assert (project / "manage.py").is_file()
    assert_module_exists(project, words[words.index("--settings") + 1])

    env = " ".join(step.arguments for step in dockerfile if step.keyword == "ENV")
    settings = re.search(r"DJANGO_SETTINGS_MODULE=(\S+)", env)
    assert settings and settings.group(1) == PRODUCTION
    assert_module_exists(project, PRODUCTION)

    commands = [step.arguments for step in dockerfile if step.keyword == "CMD"]
    server = command_words(commands[-1])
    assert server[0] == "uvicorn", server
    assert_app_target(project, server[1])
    assert "uvicorn" in (project / "pyproject.toml").read_text()


def test_dockerignore_keeps_secrets_and_local_state_out(project: Path) -> None:
    ignored = (project / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".venv", ".git", "db.sqlite3", "staticfiles"):
        assert entry in ignored, entry


# --- compose.yaml -------------------------------------------------------------


@pytest.fixture
def compose(project: Path) -> dict[str, Any]:
    document = yaml.safe_load((project / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_compose_runs_the_proxy_two_web_servers_postgres_and_redis(
    project: Path, subset: Subset, compose: dict[str, Any]
) -> None:
    services = compose["services"]
    app_services = {"migrate", "web-1", "web-2"} | (
        {"worker"} if "system" in subset.apps else set()
    )
    assert set(services) == app_services | {"postgres", "redis", "proxy"}

    assert services["redis"]["image"].startswith("redis:")
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["postgres"]["volumes"] == ["postgres:/var/lib/postgresql/data"]
    proxy_address = services["proxy"]["networks"]["backend"]["ipv4_address"]
    for name in app_services:
        service = services[name]
        assert (project / service["build"] / "Dockerfile").is_file(), name
        environment = service["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION
        assert_module_exists(project, environment["DJANGO_SETTINGS_MODULE"])
        assert environment["REDIS_URL"].startswith("redis://redis:"), name
        assert environment["DATABASE_URL"].startswith("postgres://app:"), name
        assert environment["DATABASE_URL"].endswith("@postgres:5432/app"), name
        assert environment["FORWARDED_ALLOW_IPS"] == proxy_address, name
        assert "${DJANGO_SECRET_KEY:?" in environment["DJANGO_SECRET_KEY"]
        assert "ports" not in service, f"{name} is reached through the proxy only"
        if name != "migrate":
            assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert service["depends_on"]["redis"]["condition"] == "service_healthy"
            migrated = service["depends_on"]["migrate"]["condition"]
            assert migrated == "service_completed_successfully", name

    migrate = services["migrate"]["command"]
    assert migrate[:3] == ["python", "manage.py", "migrate"]
    assert (project / "manage.py").is_file()
    for web in ("web-1", "web-2"):
        assert "command" not in services[web]  # the image's uvicorn command

    # The proxy: the Dockerfile's nginx stage, with the shipped configuration,
    # before both web servers, the only service published.
    proxy = services["proxy"]
    assert proxy["build"] == {"context": ".", "target": "proxy"}
    image = (project / "Dockerfile").read_text()
    assert re.search(r"^FROM nginx:\S+ AS proxy$", image, re.M)
    assert "COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf" in image
    nginx_conf = (project / "deploy" / "nginx.conf").read_text()
    for web in ("web-1", "web-2"):
        assert f"server {web}:8000" in nginx_conf
    assert proxy["volumes"] == ["./certs:/etc/nginx/certs:ro"]

    if "system" in subset.apps:
        worker = services["worker"]["command"]
        assert worker[:4] == ["celery", "-A", "config", "worker"]
        assert_module_exists(project, "config.celery")
        assert "celery" in (project / "pyproject.toml").read_text()


def test_deployment_files_pass_the_tools_made_for_them(
    project: Path, subset: Subset, bake_python: Path, tmp_path: Path
) -> None:
    tools = Path(sys.executable).parent
    run([tools / "hadolint", "Dockerfile"], project)
    workflow = ".github/workflows/ci.yml"
    run([tools / "zizmor", "--offline", "--no-progress", workflow], project)
    schema = [tools / "check-jsonschema", "--builtin-schema"]
    run([*schema, "vendor.github-workflows", workflow], project)
    run([*schema, "vendor.compose-spec", "compose.yaml"], project)

    # nginx's own test of the shipped configuration, on loopback names.
    nginx = proof_module("deploy/tests/nginx.py")
    nginx.self_signed_certificate(tmp_path / "certs")
    site = nginx.site_config(
        (project / "deploy" / "nginx.conf").read_text(),
        [free_port(), free_port()],
        free_port(),
        free_port(),
        tmp_path / "certs",
        tmp_path,
    )
    checked = run(
        nginx.nginx_command(nginx.write_config(tmp_path, site), "-t"), project
    )
    assert "test is successful" in checked.stderr

    # The systemd units, pointed at this bake and its environment.
    slug = project.name
    units = sorted((project / "deploy" / "systemd").glob("*.service"))
    assert [unit.name for unit in units] == ["web@.service"] + (
        ["worker.service"] if "system" in subset.apps else []
    )
    for unit in units:
        text = (
            unit.read_text()
            .replace(f"/srv/{slug}/.venv", str(bake_python.parent.parent))
            .replace(f"/srv/{slug}", str(project))
        )
        (tmp_path / unit.name).write_text(text)
        instance = unit.name.replace("@.", "@8000.")
        verified = run(["systemd-analyze", "verify", instance], tmp_path)
        assert not verified.stderr.strip(), verified.stderr


# --- environment variables ----------------------------------------------------


def environment_variables(project: Path, compose: dict[str, Any]) -> set[str]:
    """Every variable the settings, the image and the Compose file read."""
    names = set()
    settings_modules = [
        *(project / "config" / "settings").glob("*.py"),
        *project.glob("*/settings.py"),  # an app's own settings
    ]
    for settings in settings_modules:
        names.update(SETTINGS_VARIABLE.findall(settings.read_text()))
    compose_text = (project / "compose.yaml").read_text()
    names.update(re.findall(r"(?<!\$)\$\{(\w+)", compose_text))
    for service in compose["services"].values():
        if "build" in service:  # not the variables of an image such as postgres'
            names.update(service.get("environment", {}))
    dockerfile = (project / "Dockerfile").read_text()
    names.update(re.findall(r"^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=", dockerfile, re.M))
    return (
        names
        - {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
        - {name for name in names if name.startswith("UV_")}
    )


def test_every_environment_variable_is_documented(
    project: Path, compose: dict[str, Any]
) -> None:
    names = environment_variables(project, compose)
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL"} <= names

    production = (project / "docs" / "production.md").read_text()
    documented = set(VARIABLE_ROW.findall(production))
    example = (project / ".env.example").read_text()
    assert not names - documented, "missing from docs/production.md's table"
    undocumented = {name for name in names if f"# {name}=" not in example}
    assert not undocumented, "missing from .env.example"


# --- CI workflow --------------------------------------------------------------


def readme_checks(project: Path) -> list[str]:
    """The commands of the first code block of the README's Checks section."""
    readme = (project / "README.md").read_text()
    section = re.search(r"^## Checks\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert section, "the README has no Checks section"
    block = re.search(r"```bash\n(.*?)```", section.group(1), re.S)
    assert block
    return [line for line in block.group(1).splitlines() if line.strip()]


def workflow_steps(
    workflow: dict[str, Any],
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            yield job, step


def test_ci_runs_the_readme_checks_against_redis(project: Path) -> None:
    workflow = yaml.safe_load(
        (project / ".github" / "workflows" / "ci.yml").read_text()
    )
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert {"push", "pull_request"} <= set(triggers)

    commands = [
        step["run"].strip() for _, step in workflow_steps(workflow) if "run" in step
    ]
    assert commands == readme_checks(project)
    for expected in (
        "uv sync --locked",
        "uv run ruff check .",
        "uv run ruff format --check .",
        "uv run mypy .",
        "uv run pyright",
        "uv run pytest",
    ):
        assert expected in commands, expected
    actions = [step.get("uses", "") for _, step in workflow_steps(workflow)]
    assert any(action.startswith("astral-sh/setup-uv@") for action in actions)

    for job in workflow["jobs"].values():
        if any("pytest" in step.get("run", "") for step in job["steps"]):
            images = [service["image"] for service in job["services"].values()]
            assert any(image.startswith("redis:") for image in images)
            env = {**workflow.get("env", {}), **job.get("env", {})}
            assert env["REDIS_URL"].startswith("redis://127.0.0.1:6379")


# --- pre-commit ---------------------------------------------------------------


def test_first_commit_passes_the_pre_commit_hooks(
    project: Path, bake_python: Path, tmp_path: Path
) -> None:
    """The README's first steps: ``git init``, ``pre-commit install``, then the
    first commit of everything, ``uv.lock`` included, through every hook.

    Hooks run the bake's tools through ``uv run``; here uv uses the shared
    environment as it is instead of syncing one for the copy.
    """
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
    assert {"ruff-check", "ruff-format", "check-added-large-files"} <= {
        h["id"] for h in hooks
    }
    for hook in hooks:
        assert hook["entry"].startswith("uv run "), hook["id"]

    copy = tmp_path / project.name
    shutil.copytree(project, copy)
    git = shutil.which("git")
    assert git, "git is needed to commit"
    env = shared_environment(
        bake_python, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home")
    )
    run([git, "init", "--quiet"], copy, env)
    run([git, "config", "user.name", "First Committer"], copy, env)
    run([git, "config", "user.email", "first@example.com"], copy, env)
    run([bake_python, "-m", "pre_commit", "install"], copy, env)
    run([git, "add", "--all"], copy, env)
    run([git, "commit", "--quiet", "-m", "first"], copy, env)

    committed = run([git, "ls-files"], copy, env).stdout.splitlines()
    assert "uv.lock" in committed
    assert run([git, "status", "--porcelain"], copy, env).stdout == ""
