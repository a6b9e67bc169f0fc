from channels.routing import URLRouter
from chanx.channels.routing import path

from system.consumers.system_consumer import SystemConsumer

router = URLRouter([path("", SystemConsumer.as_asgi())])
