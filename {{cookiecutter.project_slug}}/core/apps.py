from importlib import import_module

from django.apps import AppConfig, apps


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        import_module("core.sessions")  # connects its receivers


class RealtimeAppConfig(AppConfig):
    """An app with a socket, and maybe a page: installing it is all it takes
    (``config.routing``, ``config.urls`` and the pages find it). ``core/app_template/``
    makes a new one (docs/adding-an-app.md)."""

    summary: str  # one sentence for the landing page
    page_url_name: str | None = None  # None for a socket with no page
    socket_path: str  # where its websocket listens, as shown to people

    @property
    def url_prefix(self) -> str:  # under ``/`` and ``/ws/``
        return f"{self.label}/"


def realtime_apps() -> list[RealtimeAppConfig]:
    """The installed realtime apps, in ``INSTALLED_APPS`` order: the one list that
    routes, pages and tests read."""
    configs = apps.get_app_configs()
    return [config for config in configs if isinstance(config, RealtimeAppConfig)]


def realtime_pages() -> list[RealtimeAppConfig]:
    """The realtime apps that have a page, for the nav and the URLs."""
    return [config for config in realtime_apps() if config.page_url_name]
