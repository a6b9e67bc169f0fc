from typing import Any

from django.conf import settings
from django.http import HttpRequest

from core.apps import realtime_apps


def project(request: HttpRequest) -> dict[str, Any]:
    """The project's name, its realtime apps and whether the docs are served."""
    return {
        "project_name": settings.PROJECT_NAME,
        "asyncapi_public": settings.ASYNCAPI_PUBLIC,
        "realtime_apps": realtime_apps(),
    }
