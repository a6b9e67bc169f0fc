"""The Celery app that runs the background jobs of ``system.tasks``.

The worker's entry point: ``celery -A config worker`` finds the app here (no
``config/__init__.py`` import is needed), or ``Procfile.dev`` runs a worker
and the server together. Like ``config/asgi.py``, it loads the
production settings unless ``DJANGO_SETTINGS_MODULE`` says otherwise; nothing
else imports this module before the settings are chosen. Every ``CELERY_*``
Django setting configures the app.
"""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.concurrency.solo import TaskPool as SoloPool
from celery.signals import celeryd_after_setup, celeryd_init, setup_logging
from django.conf import settings
from kombu.transport import redis

# Before the app exists: Celery applies its Django fix-ups only when it is set.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("{{ cookiecutter.project_slug }}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


class RedisTransport(redis.Transport):
    """kombu's Redis transport (``CELERY_BROKER_TRANSPORT``), which keeps its
    connection's address once Celery closes it after Redis went away. kombu
    forgets it, so a job taken on that connection and still running could not
    be acknowledged, nor put back: that failed with an AttributeError, which
    stopped the worker ("Unrecoverable error"; kombu 5.7.0, as in kombu#582)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "client" or value is not None:
            super().__setattr__(name, value)


class QuietBrokerOutage(logging.Filter):
    """A lost broker (Redis) is one WARNING as it goes ("Connection to broker lost")
    and one INFO once it is back ("Connected to"): each failed reconnect between
    is logged at DEBUG, not as an ERROR every few seconds, and Celery's reminder
    that 6.0 cancels running jobs then is dropped (the settings keep 5's way)."""

    lost = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Connection to broker lost" in message:
            self.lost = True
        elif message.startswith("Connected to "):
            self.lost = False
        elif "worker_cancel_long_running_tasks_on_connection_loss" in message:
            return False
        elif self.lost and message.startswith("consumer: Cannot connect to "):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


@setup_logging.connect
def log_through_django_settings(**kwargs: Any) -> None:
    """Worker logs go where the site's do, as ``settings.LOGGING`` says."""
    logging.config.dictConfig(settings.LOGGING)
    quiet = QuietBrokerOutage()
    for name in ("consumer.consumer", "consumer.connection"):
        logging.getLogger(f"celery.worker.{name}").addFilter(quiet)
    logging.getLogger("py.warnings").addFilter(quiet)


@celeryd_init.connect
def refuse_to_start_without_a_broker(**kwargs: Any) -> None:
    """Stop a worker at once rather than let it retry a broker nobody set."""
    if not settings.CELERY_BROKER_URL:
        raise SystemExit(
            "REDIS_URL is not set: the worker takes its jobs from Redis and sends "
            "their results back through it. Set REDIS_URL (see .env.example)."
        )


@celeryd_after_setup.connect
def say_which_settings(**kwargs: Any) -> None:
    """Name the settings in force, so a worker on the wrong ones shows at once."""
    logger.info(
        "Django settings: %s (DEBUG is %s)", settings.SETTINGS_MODULE, settings.DEBUG
    )


@celeryd_after_setup.connect
def warn_of_too_few_processes(instance: Any, **kwargs: Any) -> None:
    """One client may have SYSTEM_JOBS_IN_FLIGHT jobs running: a worker that runs
    no more than that at once lets one client's flood hold up everyone else's.
    (``instance``, the WorkController, has attributes its stubs do not know.)"""
    at_once = 1 if instance.pool_cls is SoloPool else instance.concurrency
    if at_once <= settings.SYSTEM_JOBS_IN_FLIGHT:
        logger.warning(
            "This worker runs %d job(s) at once, no more than one client may have "
            "waiting (SYSTEM_JOBS_IN_FLIGHT = %d): one client's flood can hold up "
            "the others' jobs. Without --pool and --concurrency it runs %d.",
            at_once,
            settings.SYSTEM_JOBS_IN_FLIGHT,
            settings.CELERY_WORKER_CONCURRENCY,
        )
