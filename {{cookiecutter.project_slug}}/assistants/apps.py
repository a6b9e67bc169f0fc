from core.apps import RealtimeAppConfig


class AssistantsConfig(RealtimeAppConfig):
    name = "assistants"
    verbose_name = "Assistant"
    summary = "An AI assistant that streams its answer token by token and remembers the conversation."
    page_url_name = "assistants:index"
    socket_path = "/ws/assistants/"
