"""The Celery app that runs the background jobs of ``system.tasks``.

A worker runs them: ``celery -A config worker --loglevel=info``, or
``python manage.py devserver`` for a worker and the server together. Every
``CELERY_*`` Django setting configures the app.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("{{ cookiecutter.project_slug }}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Make it the default too, not only the current app of the importing thread, so
# that every thread queues jobs here and never on Celery's fallback app.
app.set_default()


def refuse_to_start_without_a_broker(**kwargs: Any) -> None:
    """Stop a worker at once rather than let it retry a broker nobody set."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        raise SystemExit(
            "REDIS_URL is not set: the worker takes its jobs from Redis and sends "
            "their results back through it. Set REDIS_URL (see .env.example)."
        )


celeryd_init.connect(refuse_to_start_without_a_broker)
