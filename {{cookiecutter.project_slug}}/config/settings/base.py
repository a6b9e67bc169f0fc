"""Settings every environment shares.

Anything a deployment may change is read from the environment (or a ``.env``
file beside ``manage.py``); ``dev``, ``test`` and ``production`` add the rest.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated variable as a list, or ``default`` when it is unset."""
    return env.list(name) if name in env else default


PROJECT_NAME = {{ cookiecutter.project_name|literal }}

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "chanx.channels",
    # Full paths: each apps.py also imports core's RealtimeAppConfig, which
    # would make Django's automatic pick ambiguous.
    "core.apps.CoreConfig",
    {%- if cookiecutter.use_chat %}
    "chat.apps.ChatConfig",
    {%- endif %}
    {%- if cookiecutter.use_assistants %}
    "assistants.apps.AssistantsConfig",
    {%- endif %}
    {%- if cookiecutter.use_system %}
    "system.apps.SystemConfig",
    {%- endif %}
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.project",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# With REDIS_URL unset, sockets talk through memory: one process serves every
# app with no service running. Set it to share messages between processes.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub, chosen from side-by-side measurements (README,
            # "Load and capacity"): it lost nothing where channels-redis' core
            # layer dropped messages beyond its per-process capacity of 100,
            # at a fraction of the latency. Each server process publishes
            # through one connection (one command at a time) and receives
            # through one subscription, so it never runs into redis-py's pool
            # limit, which raises instead of waiting. Messages wait in memory
            # until their socket takes them; nothing expires, and a group
            # lives only as long as its members' subscriptions.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # No read timeout: on Python 3.11 one lets a closing
                        # socket's cancellation turn into an error, or a hang.
                        # The subscription polls with its own short timeout.
                        "socket_timeout": None,
                        # An unreachable Redis fails a send in 2 s, not never.
                        "socket_connect_timeout": 2,
                    }
                ],
            },
        },
    }
else:
    CHANNEL_LAYERS = {
        # Also delivers what threads outside the event loop send.
        "default": {"BACKEND": "core.channel_layers.ThreadSafeInMemoryChannelLayer"},
    }

CHANX: dict[str, object] = {
    "ASYNCAPI_TITLE": f"{PROJECT_NAME} WebSocket API",
    "ASYNCAPI_DESCRIPTION": {{ cookiecutter.description|literal }},
}
# Whether /asyncapi/docs/ and /asyncapi/schema/ are served (production: off).
ASYNCAPI_PUBLIC = env.bool("DJANGO_ASYNCAPI_PUBLIC", default=True)
{%- if cookiecutter.use_assistants %}

# The assistant speaks to OpenAI, or to any server with the same API when
# OPENAI_BASE_URL is set (a local model server, a proxy, another provider).
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=60.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=2)
# Messages (questions and answers) each connection remembers and sends back
# with a new question; the oldest exchanges go first.
ASSISTANT_HISTORY_LIMIT = env.int("ASSISTANT_HISTORY_LIMIT", default=20)
{%- endif %}
{%- if cookiecutter.use_system %}

# Background jobs. Celery reads every CELERY_* setting (config/celery.py). Jobs
# reach the worker through Redis and their results come back through the
# channel layer, so both need REDIS_URL: without it the system socket refuses
# jobs with a message saying so.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Give up on an unreachable broker within about two seconds, so that the socket
# can tell its client instead of leaving it waiting.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Scales the pretend work of each job (1 to 4 s, as in the Chanx tutorial);
# 0 makes jobs instant.
SYSTEM_JOB_DELAY_SCALE = env.float("SYSTEM_JOB_DELAY_SCALE", default=1.0)
{%- endif %}
