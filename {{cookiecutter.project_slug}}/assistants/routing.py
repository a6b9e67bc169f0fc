from channels.routing import URLRouter
from chanx.channels.routing import path

from assistants.conversation_consumer import ConversationAssistantConsumer

router = URLRouter([path("", ConversationAssistantConsumer.as_asgi())])
