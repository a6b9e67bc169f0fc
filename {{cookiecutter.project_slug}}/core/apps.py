from django.apps import AppConfig, apps


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"


class RealtimeAppConfig(AppConfig):
    """An app with its own page and socket.

    Listing it in ``INSTALLED_APPS`` is all it takes: ``config.urls`` serves
    its ``urls`` module, ``config.routing`` mounts its ``routing`` module's
    ``router`` under ``/ws/``, and the landing page and the nav link it.
    """

    summary: str
    """One sentence for the landing page."""
    page_url_name: str
    """The URL name of the app's page."""
    socket_path: str
    """Where its websocket listens, as shown to people."""

    @property
    def url_prefix(self) -> str:
        """Where its page and its socket are mounted, under ``/`` and ``/ws/``."""
        return f"{self.label}/"

    @property
    def urls_module(self) -> str:
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
