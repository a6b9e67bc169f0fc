from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from system.jobs import JOBS


def index(request: HttpRequest) -> HttpResponse:
    """The jobs page; it offers the task types the consumer knows."""
    request.session.setdefault("owns_jobs", True)  # a visitor's results wait
    return render(request, "system/index.html", {"task_types": list(JOBS)})
