from importlib import import_module

from django.conf import settings

from core.apps import RealtimeAppConfig


class AssistantsConfig(RealtimeAppConfig):
    name = "assistants"
    verbose_name = "Assistant"
    summary = "An AI assistant that streams its answer token by token and remembers the conversation."
    page_url_name = "assistants:index"
    socket_path = "/ws/assistants/"

    def ready(self) -> None:
        # With a key, load the provider's SDK (a second of imports) at start-up,
        # not in the middle of the first answer; tests, without one, skip it.
        if settings.OPENAI_API_KEY:
            import_module("openai")
