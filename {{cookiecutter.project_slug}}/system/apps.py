from core.apps import RealtimeAppConfig


class SystemConfig(RealtimeAppConfig):
    name = "system"
    verbose_name = "System"
    summary = (
        "Background jobs on a Celery worker that answer over the socket, "
        "and notices broadcast to every connected page."
    )
    page_url_name = "system:index"
    socket_path = "/ws/system/"
