"""The site's pages, found by walking the URL configuration, so that a page
added later is checked too."""

import re
from collections.abc import Iterator

from django.contrib.auth.views import LoginView
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse


def parameterless_paths(
    patterns: list[URLPattern | URLResolver], prefix: str = "/"
) -> Iterator[str]:
    """Every path of ``patterns`` that takes no parameter."""
    for entry in patterns:
        route = str(entry.pattern).removeprefix("^").removesuffix("$")
        if re.search(r"[<(\\\[?*+]", route):
            continue
        if isinstance(entry, URLResolver):
            yield from parameterless_paths(entry.url_patterns, prefix + route)
        else:
            yield prefix + route


def every_page() -> list[str]:
    return sorted(set(parameterless_paths(get_resolver().url_patterns)))


def answers_get(path: str) -> bool:
    """Whether a browser can open the page (sign-out, say, takes POST only)."""
    view_class = getattr(resolve(path).func, "view_class", None)
    return view_class is None or "get" in view_class.http_method_names


def browsable_pages() -> list[str]:
    return [path for path in every_page() if answers_get(path)]


def is_login_page(path: str) -> bool:
    view_class = getattr(resolve(path).func, "view_class", None)
    return view_class is not None and issubclass(view_class, LoginView)


def login_pages() -> list[str]:
    """The admin's login page and every page Django's ``LoginView`` serves."""
    return [reverse("admin:login"), *filter(is_login_page, every_page())]
