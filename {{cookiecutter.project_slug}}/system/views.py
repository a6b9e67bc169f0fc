from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from system.jobs import JOBS


def index(request: HttpRequest) -> HttpResponse:
    """The jobs page; it offers the task types the consumer knows. A visitor
    gets a session, so their jobs' results wait for them (system.results)."""
    request.session.setdefault("owns_jobs", True)
    return render(request, "system/index.html", {"task_types": list(JOBS)})
