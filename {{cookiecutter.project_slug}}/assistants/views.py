from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The assistant page; it says up front when no API key is set (naming the
    setting only to developers: visitors need not learn the server's settings)."""
    return render(
        request,
        "assistants/index.html",
        {
            "model": settings.OPENAI_MODEL,
            "configured": bool(settings.OPENAI_API_KEY),
            "debug": settings.DEBUG,
        },
    )
