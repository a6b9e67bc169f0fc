from django.conf import settings
from django.db.models.signals import post_save

from core.apps import RealtimeAppConfig


class ChatConfig(RealtimeAppConfig):
    name = "chat"
    verbose_name = "Chat"
    summary = "Rooms where each message a member sends reaches everyone else there."
    page_url_name = "chat:index"
    socket_path = "/ws/chat/<room_name>/"

    def ready(self) -> None:
        from chat.names import remember  # models are loaded only now

        post_save.connect(remember, sender=settings.AUTH_USER_MODEL)
