"""Unit tests of the hooks' plain-Python parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from bakery import SUBSETS, TEMPLATE_DIR, find_traces

from hooks import post_gen_project as post_gen
from hooks import pre_gen_project as pre_gen

SHIPPED_LOCKS = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / post_gen.LOCKS_DIR


@pytest.mark.parametrize(
    "slug",
    [
        "chanx_project",
        "shop",
        "a",
        "my_app2",
        "json",
        "config",
        "chat",
        "class",
        "a" * pre_gen.SLUG_MAX_LENGTH,
    ],
)
def test_valid_slugs_pass(slug: str) -> None:
    pre_gen.validate_slug(slug)


@pytest.mark.parametrize(
    "slug",
    ["", "My_Project", "my-project", "my project", "2fast", "_private", "café"],
)
def test_slugs_that_are_not_lowercase_identifiers_fail(slug: str) -> None:
    with pytest.raises(pre_gen.InvalidAnswer, match="lowercase Python identifier"):
        pre_gen.validate_slug(slug)


def test_slug_longer_than_formatter_clean_code_allows_fails() -> None:
    with pytest.raises(pre_gen.InvalidAnswer, match="at most 72 characters"):
        pre_gen.validate_slug("a" * (pre_gen.SLUG_MAX_LENGTH + 1))


@pytest.mark.parametrize(
    "slug",
    [
        "django",
        "chanx",
        "uvicorn",
        "whitenoise",
        "pytest_django",
        "click",
        "attrs",
        "mypy",
        "ruff",
        "sqlparse",
        "websockets",
        "celery",
        "openai",
        "channels_redis",
    ],
)
def test_slugs_naming_a_locked_dependency_fail(slug: str) -> None:
    error = post_gen.slug_error(slug, post_gen.dependency_names(SHIPPED_LOCKS))
    assert error is not None
    assert error.startswith(f"project_slug={slug!r} is not valid")
    assert post_gen.normalise(slug) in error


@pytest.mark.parametrize("slug", ["chanx_project", "json", "shop", "config"])
def test_slugs_outside_the_dependency_tree_pass(slug: str) -> None:
    assert post_gen.slug_error(slug, post_gen.dependency_names(SHIPPED_LOCKS)) is None


def test_every_subset_ships_a_lock() -> None:
    expected = {f"{subset.id}.lock" for subset in SUBSETS}
    assert {lock.name for lock in SHIPPED_LOCKS.iterdir()} == expected


LOCK = """version = 1

[[package]]
name = "chanx-project"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "django" }]

[[package]]
name = "django"
version = "5.2.1"
source = { registry = "https://pypi.org/simple" }
"""


def test_locked_distributions_leave_out_the_project() -> None:
    assert post_gen.locked_distributions(LOCK) == {"django"}


def test_the_locked_project_is_renamed_to_the_slug() -> None:
    renamed = post_gen.rename_locked_project(LOCK, "ledger_live")
    assert '[[package]]\nname = "ledger-live"\nversion = "0.1.0"' in renamed
    assert "chanx-project" not in renamed
    assert 'name = "django"' in renamed


def test_a_lock_without_the_template_project_is_an_error() -> None:
    with pytest.raises(ValueError, match="no single project entry"):
        post_gen.rename_locked_project(LOCK.replace("chanx-project", "other"), "x")


def test_install_lock_writes_the_subset_lock_and_drops_the_others(
    tmp_path: Path,
) -> None:
    locks = tmp_path / post_gen.LOCKS_DIR
    locks.mkdir()
    (locks / "chat.lock").write_text(LOCK)
    (locks / "none.lock").write_text("other")

    post_gen.install_lock(tmp_path, ["chat"], "shop")

    assert 'name = "shop"' in (tmp_path / "uv.lock").read_text()
    assert not locks.exists()


def test_every_subset_is_listed_once_fullest_first() -> None:
    subsets = post_gen.every_subset()
    assert len(set(subsets)) == 2 ** len(post_gen.OPTIONAL_APPS)
    assert subsets[0] == tuple(post_gen.OPTIONAL_APPS)
    assert subsets[-1] == ()


def test_subset_ids_follow_the_table_order() -> None:
    assert post_gen.subset_id(["system", "chat"]) == "chat+system"
    assert post_gen.subset_id([]) == "none"


@pytest.mark.parametrize("email", ["you@example.com", "a.b+c@d.e", "x@localhost"])
def test_valid_emails_pass(email: str) -> None:
    pre_gen.validate_email(email)


@pytest.mark.parametrize(
    "email", ["", "you.example.com", "a@", "@b", "a b@c.d", "a@b@c"]
)
def test_emails_without_a_proper_at_fail(email: str) -> None:
    with pytest.raises(pre_gen.InvalidAnswer, match="author_email"):
        pre_gen.validate_email(email)


def test_blank_project_name_fails() -> None:
    with pytest.raises(pre_gen.InvalidAnswer, match="project_name"):
        pre_gen.validate_project_name("   ")


def test_error_names_the_question_the_value_and_what_is_allowed() -> None:
    error = pre_gen.InvalidAnswer("project_slug", "Bad", "use lowercase")
    assert str(error) == "project_slug='Bad' is not valid: use lowercase"


def test_every_app_is_selected_by_its_own_question() -> None:
    answers = {app.answer: True for app in post_gen.OPTIONAL_APPS.values()}
    assert post_gen.selected_apps(answers) == list(post_gen.OPTIONAL_APPS)
    answers["use_chat"] = False
    assert "chat" not in post_gen.selected_apps(answers)


def test_paths_to_remove_are_those_of_unselected_apps() -> None:
    removed = post_gen.paths_to_remove(["chat"])
    assert "chat" not in removed
    for name, app in post_gen.OPTIONAL_APPS.items():
        if name != "chat":
            assert set(app.paths) <= set(removed)


def test_nothing_is_removed_when_every_app_is_selected() -> None:
    assert post_gen.paths_to_remove(post_gen.OPTIONAL_APPS) == []


def test_unknown_app_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown apps: forum"):
        post_gen.paths_to_remove(["forum"])


def test_remove_deletes_files_and_folders_and_skips_missing_ones(
    tmp_path: Path,
) -> None:
    (tmp_path / "app" / "sub").mkdir(parents=True)
    (tmp_path / "app" / "sub" / "x.py").write_text("x = 1\n")
    (tmp_path / "single.py").write_text("y = 2\n")
    (tmp_path / "kept.py").write_text("z = 3\n")

    post_gen.remove(tmp_path, ["app", "single.py", "already_gone", "gone/too.py"])

    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.py"]


def test_trace_patterns_cover_only_unselected_apps() -> None:
    patterns = post_gen.trace_patterns(["chat", "assistants"])
    assert any(p.search("from system.tasks import x") for p in patterns)
    assert not any(p.search("from chat.messages import x") for p in patterns)
    assert not any(p.search("import openai") for p in patterns)


@pytest.mark.parametrize(
    ("app", "line"),
    [
        ("chat", "import chat"),
        ("chat", "from chat.messages import Message"),
        ("chat", '    path("chat/", include("chat.urls")),'),
        ("chat", 'socket_path = "/ws/chat/"'),
        ("chat", '    "chat.apps.ChatConfig",'),
        ("chat", "{% url 'chat:index' %}"),
        ("assistants", "from openai import AsyncOpenAI"),
        ("assistants", 'OPENAI_API_KEY = env("OPENAI_API_KEY", default="")'),
        ("assistants", '    "openai>=2,<4",'),
        ("assistants", "| `OPENAI_MODEL` | the model |"),
        ("system", "from .celery import app"),
        ("system", 'CELERY_BROKER_URL = env("REDIS_URL")'),
        ("system", '    "celery[redis]>=5.5,<6",'),
        ("system", "  worker:"),
        ("system", "uv run celery -A config worker"),
        ("system", '    "system/index.html",'),
    ],
)
def test_trace_patterns_match_identifiers(app: str, line: str) -> None:
    selected = [name for name in post_gen.OPTIONAL_APPS if name != app]
    assert any(p.search(line) for p in post_gen.trace_patterns(selected)), line


@pytest.mark.parametrize(
    "line",
    [
        "Chat with your team, or ask an assistant.",
        "Talk to the system administrator about the worker pool.",
        'assert request.path == "/v1/chat/completions"',
        "completion = client.chat.completions.create()",
        'id = "chatcmpl-123"',
        "font-family: system-ui, sans-serif;",
        "Built on OpenAI's SDK and Celery's workers.",
    ],
)
def test_trace_patterns_leave_prose_and_foreign_names_alone(line: str) -> None:
    assert not any(p.search(line) for p in post_gen.trace_patterns([])), line


def test_a_leftover_import_in_a_bake_is_caught(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "views.py").write_text("import chat\n")
    (tmp_path / "README.md").write_text("Chat with your team.\n")

    traces = find_traces(tmp_path, ["assistants", "system"])

    assert len(traces) == 1
    assert traces[0].startswith("core/views.py:1:")


def test_every_app_owns_paths_and_traces() -> None:
    for name, app in post_gen.OPTIONAL_APPS.items():
        assert app.paths, name
        assert app.traces, name
        assert app.answer == f"use_{name}"
