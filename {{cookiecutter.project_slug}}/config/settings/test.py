"""Settings for the test suite: fast, isolated, and chanx's completion frames on."""

from .base import *  # noqa: F403
from .base import CHANX

SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Django's test client logs in without a request, which django-axes refuses;
# core/tests/test_logins.py turns it back on to prove the lockout.
AXES_ENABLED = False

# Completion frames tell a test communicator when a handler has finished.
CHANX = {**CHANX, "SEND_COMPLETION": True}
{%- if cookiecutter.use_assistants %}

# No test reaches a real AI provider, whatever .env holds: tests patch the
# service or point it at a local fake, and errors surface without retries.
OPENAI_API_KEY = ""
OPENAI_BASE_URL = ""
OPENAI_MAX_RETRIES = 0
{%- endif %}
{%- if cookiecutter.use_system %}

# No job reaches Redis from a test, even one started without the test worker
# (conftest.py), and jobs do no pretend work.
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
SYSTEM_JOB_DELAY_SCALE = 0.0
{%- endif %}
