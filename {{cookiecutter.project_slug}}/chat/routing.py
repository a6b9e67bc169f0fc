from channels.routing import URLRouter
from chanx.channels.routing import path

from chat.consumers.chat_consumer import ChatConsumer

router = URLRouter([path("<str:room_name>/", ChatConsumer.as_asgi())])
