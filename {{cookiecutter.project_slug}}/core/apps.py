from django.apps import AppConfig, apps


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"


class RealtimeAppConfig(AppConfig):
    """An app with a socket, and maybe a page.

    Listing it in ``INSTALLED_APPS`` is all it takes: ``config.routing`` mounts
    its ``routing`` module's ``router`` under ``/ws/``, ``config.urls`` serves
    its ``urls`` module when it has a page, and the landing page and the nav
    list it. ``core/app_template/`` makes a new one (docs/adding-an-app.md).
    """

    summary: str
    """One sentence for the landing page."""
    page_url_name: str | None = None
    """The URL name of the app's page; ``None`` for a socket with no page."""
    socket_path: str
    """Where its websocket listens, as shown to people."""

    @property
    def url_prefix(self) -> str:
        """Where its page and its socket are mounted, under ``/`` and ``/ws/``."""
        return f"{self.label}/"

    @property
    def urls_module(self) -> str:
        """The module of its page's URLs (an app with a page only)."""
        return f"{self.name}.urls"

    @property
    def routing_module(self) -> str:
        """A module whose ``router`` holds the app's websocket routes."""
        return f"{self.name}.routing"


def realtime_apps() -> list[RealtimeAppConfig]:
    """The installed realtime apps, in ``INSTALLED_APPS`` order.

    The one list that routes, pages and tests read, so an app is wired in
    everywhere by being installed.
    """
    return [
        config
        for config in apps.get_app_configs()
        if isinstance(config, RealtimeAppConfig)
    ]


def realtime_pages() -> list[RealtimeAppConfig]:
    """The realtime apps that have a page, for the nav and the URLs."""
    return [config for config in realtime_apps() if config.page_url_name]
