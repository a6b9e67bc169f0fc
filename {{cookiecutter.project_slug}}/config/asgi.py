"""ASGI entry point: Django for HTTP (behind the ``/healthz/`` and ``/readyz/`` probes), Chanx for websockets.

Websockets pass the origin check, then Channels' auth (``scope["user"]``). As an
entry point (``uvicorn config.asgi:application``) it picks production settings
unless ``DJANGO_SETTINGS_MODULE`` names others.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# Django must be set up before the routing imports the consumers.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402
from chanx.channels.routing import include, path  # noqa: E402

from core.health import HealthCheck  # noqa: E402
from core.origins import AllowedHostsValidator  # noqa: E402
from core.routing import RefusingURLRouter  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": HealthCheck(django_asgi_app),
        "websocket": AllowedHostsValidator(
            AuthMiddlewareStack(
                RefusingURLRouter([path("ws/", include("config.routing"))])
            )
        ),
    }
)
