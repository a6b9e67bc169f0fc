"""Settings for the test suite: fast, isolated, and chanx's completion frames on."""

import uuid
{%- if cookiecutter.use_chat or cookiecutter.use_system %}
from tempfile import gettempdir
{%- endif %}

from .base import *  # noqa: F403
from .base import {% if cookiecutter.use_system %}CELERY_BROKER_TRANSPORT_OPTIONS, {% endif %}CHANX, DATABASES

SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Django's test client logs in without a request, which django-axes refuses;
# core/tests/test_logins.py turns it back on to prove the lockout.
AXES_ENABLED = False

# Completion frames tell a test communicator when a handler has finished.
CHANX = {**CHANX, "SEND_COMPLETION": True}

# Tests send frames as fast as they can; the limit tests set their own.
SOCKET_FRAMES_PER_SECOND = 10_000
SOCKET_FRAMES_PER_MINUTE = 100_000
SOCKETS_PER_USER = SOCKETS_PER_ADDRESS = 10_000

# Each run counts from zero, even in a Redis that an earlier run counted in.
RATE_LIMITS_KEY_PREFIX = f"test-{uuid.uuid4().hex}"
{%- if cookiecutter.use_chat or cookiecutter.use_system %}

# Histories and jobs are written from several threads at once, as in production; an
# in-memory SQLite refuses that ("table is locked") where a file waits its turn.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": f"{gettempdir()}/{uuid.uuid4().hex}.db"}
{%- endif %}
# The test worker's thread and the tests' own keep connections open past a
# pool's size: on PostgreSQL tests connect without one.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
{%- if cookiecutter.use_assistants %}

# No test reaches a real AI provider, whatever .env holds: tests patch the
# service or point it at a local fake, and errors surface without retries.
OPENAI_API_KEY = ""
OPENAI_BASE_URL = ""
OPENAI_MAX_RETRIES = 0
# The Chanx tutorial's tests connect anonymously, and many tests ask from the
# same (missing) client address; the quota tests set their own limits.
ASSISTANTS_REQUIRE_LOGIN = False
ASSISTANTS_QUESTIONS_PER_MINUTE = 10_000
ASSISTANTS_QUESTIONS_PER_DAY = 10_000
{%- endif %}
{%- if cookiecutter.use_system %}

# No job reaches Redis from a test: the test worker (system/tests/conftest.py)
# takes them from memory, polled often (the default is once a second), and
# jobs do no pretend work.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT = None  # the URL says which
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "polling_interval": 0.01,
}
CELERY_RESULT_BACKEND = "cache+memory://"
SYSTEM_JOB_DELAY_SCALE = 0.0
SYSTEM_JOBS_PER_MINUTE = 10_000
{%- endif %}
