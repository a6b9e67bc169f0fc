from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The chat page; the room is picked in the browser."""
    return render(request, "chat/index.html")
