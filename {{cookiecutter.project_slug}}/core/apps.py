from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"


class RealtimeAppConfig(AppConfig):
    """An app with its own page and socket, listed on the landing page."""

    summary: str
    """One sentence for the landing page."""
    page_url_name: str
    """The URL name of the app's page."""
    socket_path: str
    """Where its websocket listens, as shown to people."""
