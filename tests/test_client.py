"""Typed clients: ``chanx generate-client`` turns a bake's AsyncAPI schema into
a Python package that passes strict type checks and talks to a live server.

The commands are the ones the bake documents (docs/typed-clients.md), run with the shared
environment's tools in place of ``uv run``, and writing in a temporary directory
instead of beside the bake.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from bakery import (
    FULLEST,
    SUBSETS,
    Subset,
    clean_environment,
    free_port,
    proof_module,
    run,
    stop,
    wait_until_listening,
)

DRIVER = Path(__file__).with_name("client_driver.py")
# The fullest bake has every socket, so its client holds every app's module;
# a smaller bake's client is the same code for fewer sockets.
WITH_SOCKETS = [FULLEST]
WITHOUT_SOCKETS = [subset for subset in SUBSETS if not subset.apps]

# chanx copies the same base client into every generated package. It builds the
# union of incoming messages at run time, ``TypeAdapter(Annotated[
# self.incoming_message, Field(discriminator=...)])``, from a class attribute,
# which no static checker accepts as a type. Those are the only checks the
# generated code fails, so they are off for that one module and strict
# everywhere else.
MYPY_CONFIG = """\
[mypy]
strict = True

[mypy-{package}.base.*]
disable_error_code = arg-type, maybe-unrecognized-str-typeform
"""
PYRIGHT_BASE_RELAXED = {
    "reportArgumentType": "none",
    "reportInvalidTypeForm": "none",
    "reportUnknownMemberType": "none",
}
# Each socket's messages.py imports the shared AuthenticationPayload (every
# socket may send the authentication frame) without using it.
PYRIGHT_SOCKETS_RELAXED = {"reportUnusedImport": "none"}


@dataclass(frozen=True)
class Generation:
    """The output of the documented commands, and where the client went."""

    result: subprocess.CompletedProcess[str]
    package: Path


def documented_blocks(project: Path, language: str) -> list[str]:
    """The ``language`` code blocks of docs/typed-clients.md, in order."""
    page = (project / "docs" / "typed-clients.md").read_text()
    return re.findall(rf"^```{language}\n(.*?)^```", page, re.MULTILINE | re.DOTALL)


def documented_commands(project: Path, block: int = 0) -> list[list[str]]:
    """The command lines of a bash block of docs/typed-clients.md."""
    lines = documented_blocks(project, "bash")[block].splitlines()
    return [shlex.split(line, comments=True) for line in lines if line]


def write_program(project: Path, workdir: Path) -> Path:
    """The docs' complete program, saved beside the client as they say."""
    [program] = documented_blocks(project, "python")
    path = workdir / "ask_assistant.py"
    path.write_text(program)
    return path


def in_bake_environment(
    words: list[str], bake_python: Path, workdir: Path
) -> list[str]:
    """A documented command run with the shared environment's tools, its files
    (the schema, the client beside the project) put in ``workdir``."""
    assert words[:2] == ["uv", "run"], words
    program, *arguments = words[2:]
    executable = bake_python if program == "python" else bake_python.parent / program
    return [str(executable)] + [
        str(workdir / Path(word).name)
        if word.endswith(".json") or word.startswith("../")
        else word
        for word in arguments
    ]


@pytest.fixture(scope="session")
def generations() -> dict[str, Generation]:
    """Clients by subset id, generated once per session."""
    return {}


@pytest.fixture
def generation(
    generations: dict[str, Generation],
    project: Path,
    subset: Subset,
    bake_python: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Generation:
    """The client of ``subset``, from the documented commands."""
    if subset.id not in generations:
        generations[subset.id] = generate(
            project, bake_python, tmp_path_factory.mktemp(f"client-{subset.id}")
        )
    return generations[subset.id]


def generate(project: Path, bake_python: Path, workdir: Path) -> Generation:
    commands = documented_commands(project)
    assert [words[2:4] for words in commands] == [
        ["python", "manage.py"],
        ["chanx", "generate-client"],
    ], commands
    # `uv run` puts the environment's tools first on PATH, so chanx formats the
    # client with the environment's ruff.
    env = clean_environment(
        PATH=f"{bake_python.parent}{os.pathsep}{os.environ['PATH']}"
    )
    schema_command, client_command = (
        in_bake_environment(words, bake_python, workdir) for words in commands
    )
    run(schema_command, project, env)
    result = subprocess.run(
        client_command,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    package = Path(client_command[client_command.index("--output") + 1])
    return Generation(result, package)


@pytest.mark.parametrize("subset", WITH_SOCKETS, ids=lambda subset: subset.id)
def test_client_passes_strict_type_checks(
    generation: Generation,
    project: Path,
    bake_python: Path,
    subset: Subset,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    assert generation.result.returncode == 0, generation.result.stderr
    package = generation.package
    assert package.name == f"{project.name}_client"
    for app in subset.apps:
        assert (package / app / "client.py").is_file(), app
    workdir = package.parent
    (workdir / "mypy.ini").write_text(MYPY_CONFIG.format(package=package.name))
    (workdir / "pyrightconfig.json").write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": "3.11",
                "executionEnvironments": [
                    {"root": f"{package.name}/base", **PYRIGHT_BASE_RELAXED},
                    *(
                        {"root": f"{package.name}/{app}", **PYRIGHT_SOCKETS_RELAXED}
                        for app in subset.apps
                    ),
                ],
            }
        )
    )
    env = clean_environment()
    # The package, and the docs' program that uses it, checked as strictly.
    checked = [package.name, write_program(project, workdir).name]
    # One cache per process: every subset's client has the same base module.
    mypy_cache = tmp_path_factory.getbasetemp() / "client-mypy-cache"
    run([bake_python, "-m", "mypy", "--cache-dir", mypy_cache, *checked], workdir, env)
    run(
        [bake_python.parent / "pyright", "--pythonpath", bake_python, *checked],
        workdir,
        env,
    )


@contextmanager
def live_server(project: Path, bake_python: Path, workdir: Path) -> Iterator[int]:
    """The bake's dev server on a free port of 127.0.0.1, stopped by its pid."""
    port = free_port()
    log = workdir / "server.log"
    env = clean_environment(DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}")
    run([bake_python, "manage.py", "migrate", "--noinput"], project, env)  # as README
    with log.open("w") as output:
        server = subprocess.Popen(
            [bake_python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, server, f"runserver ({log})")
        yield port
    finally:
        stop(server)


@pytest.mark.parametrize("subset", WITH_SOCKETS, ids=lambda subset: subset.id)
def test_client_talks_to_a_live_server(
    generation: Generation,
    project: Path,
    bake_python: Path,
    subset: Subset,
    tmp_path: Path,
) -> None:
    """Ping and pong on every socket; on chat, a message reaches another member."""
    assert generation.result.returncode == 0, generation.result.stderr
    with live_server(project, bake_python, tmp_path) as port:
        result = run(
            [
                bake_python,
                DRIVER,
                generation.package,
                f"ws://127.0.0.1:{port}/",
                *subset.apps,
            ],
            tmp_path,
            clean_environment(),
            timeout=120,
        )
    report = json.loads(result.stdout.splitlines()[-1])
    pong = {"class": "PongMessage", "action": "pong", "payload": None}
    expected: dict[str, object] = dict.fromkeys(subset.apps, pong)
    if "chat" in subset.apps:
        relayed = report["chat relay"]["payload"]
        # The room's first message, numbered and timed by the server (history).
        assert relayed.pop("seq") == 1 and relayed.pop("sent_at").endswith("Z")
        expected["chat relay"] = {
            "class": "NewChatMessage",
            "action": "new_chat_message",
            "payload": {
                "message": "Hello from the typed client",
                "name": "alice",
                "member": False,  # a visitor: the program sends no token
            },
        }
    assert report == expected


@pytest.mark.parametrize("subset", WITHOUT_SOCKETS, ids=lambda subset: subset.id)
def test_without_sockets_there_is_no_client_as_the_readme_says(
    generation: Generation, project: Path
) -> None:
    """chanx 2.13 stops on a schema without channels, after creating the
    (empty) output directory; docs/typed-clients.md says so."""
    result = generation.result
    assert result.returncode == 1, result.stdout
    assert "Channels: 0" in result.stdout
    assert "AssertionError" in result.stderr
    assert not list(generation.package.rglob("*.py"))
    assert "no channels" in (project / "docs" / "typed-clients.md").read_text()


@contextmanager
def production_server(
    project: Path, bake_python: Path, env: dict[str, str], log: Path
) -> Iterator[int]:
    """The bake's ASGI app on uvicorn with production settings, on 127.0.0.1."""
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                *(bake_python.parent / "uvicorn", "config.asgi:application"),
                *("--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"),
            ],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, server, f"uvicorn ({log})")
        yield port
    finally:
        stop(server)


@pytest.mark.parametrize("subset", WITH_SOCKETS, ids=lambda subset: subset.id)
def test_the_documented_program_signs_in_with_a_token_and_asks_the_assistant(
    generation: Generation,
    project: Path,
    bake_python: Path,
    subset: Subset,
    tmp_path: Path,
    redis_url: str,
) -> None:
    """docs/typed-clients.md's program, as written, against production settings
    and Redis, signed in with the key the documented command printed."""
    assert generation.result.returncode == 0, generation.result.stderr
    workdir = generation.package.parent
    write_program(project, workdir)
    give_token, _replace_token = documented_commands(project, block=1)
    [run_program] = documented_commands(project, block=2)
    assert run_program[-4:-2] == ["python", "ask_assistant.py"], run_program
    fake = proof_module("assistants/tests/fake_openai.py")
    answer = ["Tokens ", "work."]
    with fake.FakeOpenAI(events=[fake.chunk(part) for part in answer]) as provider:
        env = clean_environment(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            REDIS_URL=redis_url,
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=provider.base_url,
        )
        run([bake_python, "manage.py", "migrate", "-v0"], project, env)
        username = give_token[-1]
        create = "from django.contrib.auth.models import User; User.objects.create_user"
        run(
            [bake_python, "manage.py", "shell", "-c", f"{create}({username!r})"],
            project,
            env,
        )
        printed = run(
            in_bake_environment(give_token, bake_python, tmp_path), project, env
        )
        key = re.fullmatch(
            rf"Generated token (\w+) for user {username}\n", printed.stdout
        )
        assert key, printed.stdout
        log, wrong = tmp_path / "server.log", secrets.token_hex(20)
        with production_server(project, bake_python, env, log) as port:
            asked, refused = (
                subprocess.run(
                    [
                        bake_python,
                        "ask_assistant.py",
                        f"ws://127.0.0.1:{port}/",
                        "Do tokens work?",
                    ],
                    cwd=workdir,
                    env=clean_environment(API_TOKEN=token),
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                for token in (key[1], wrong)
            )
    assert (asked.returncode, asked.stdout, asked.stderr) == (0, "Tokens work.\n", "")
    assert [
        request.body["messages"][-1]["content"] for request in provider.requests
    ] == ["Do tokens work?"]
    assert refused.returncode == 1, refused.stdout
    assert refused.stderr == (
        "Refused: {'detail': 'Invalid token.'} (close code 4401)\n"
    )
    server_log = log.read_text()
    assert "Traceback" not in server_log, server_log
    assert key[1] not in server_log and wrong not in server_log, server_log
