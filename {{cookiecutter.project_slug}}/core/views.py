from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The landing page; its app list comes from ``core.context_processors``."""
    return render(request, "core/home.html")
