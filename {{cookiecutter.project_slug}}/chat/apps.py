from importlib import import_module

from core.apps import RealtimeAppConfig


class ChatConfig(RealtimeAppConfig):
    name = "chat"
    verbose_name = "Chat"
    summary = "Rooms where each message a member sends reaches everyone else there."
    page_url_name = "chat:index"
    socket_path = "/ws/chat/<room_name>/"

    def ready(self) -> None:
        import_module("chat.names")  # connects its receiver, as core's apps.py does
