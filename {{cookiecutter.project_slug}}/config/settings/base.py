"""Settings every environment shares.

Anything a deployment may change is read from the environment (or a ``.env``
file beside ``manage.py``); ``dev``, ``test`` and ``production`` add the rest.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
{%- if cookiecutter.use_system %}

from system.jobs import JOBS
{%- endif %}

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated variable as a list, or ``default`` when it is unset."""
    return env.list(name) if name in env else default


PROJECT_NAME = {{ cookiecutter.project_name|python_literal }}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    # Full paths: each apps.py also imports core's RealtimeAppConfig, which
    # would make Django's automatic pick ambiguous. Core comes before chanx so
    # that its templates/channels/ overrides chanx's AsyncAPI docs page.
    "core.apps.CoreConfig",
    "chanx.channels",
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
    "core.content_security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
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

# The admin's address. Production should pick one nobody would guess.
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")
if ADMIN_URL.startswith("/") or not ADMIN_URL.endswith("/"):
    raise SystemExit(
        f"DJANGO_ADMIN_URL={ADMIN_URL!r}: give a path without a leading slash "
        "and with a trailing one, like 'staff-7f3k/'."
    )

# Password guessing (django-axes): after DJANGO_AXES_FAILURE_LIMIT failed
# logins, the admin's or any other, a client address may not log in for
# DJANGO_AXES_COOLOFF_MINUTES, with the right password either. The address is
# the one the ASGI server reports, which believes forwarded headers only from
# FORWARDED_ALLOW_IPS; axes must not read them itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(
    minutes=env.int("DJANGO_AXES_COOLOFF_MINUTES", default=30)
)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# Content-Security-Policy (django-csp) on every page: scripts, styles and
# everything else from this site only, none inline; no plugins, no <base>, no
# framing, forms post here only. core.content_security adds the page's own
# websocket origin to connect-src and the AsyncAPI docs page's extras.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where ``manage.py collectstatic`` gathers them, for production to serve.
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# With REDIS_URL unset, sockets talk through memory: one process serves every
# app with no service running. Set it to share messages between processes.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub, chosen from side-by-side measurements
            # (docs/capacity.md): it lost nothing where channels-redis' core
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
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Everything to standard output, where terminals, containers and process
# managers collect it. Django's error reports leave settings and request
# secrets out.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "{asctime} {levelname} {name}: {message}",
            "style": "{",
        },
    },
    "filters": {
        "redis_outage": {"()": "core.outage_log.QuietRedisOutage"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own, which in development would also print to the console.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # While Redis is down its pubsub layer logs a traceback every second:
        # one WARNING and one INFO per outage instead (core.outage_log).
        "channels_redis.pubsub": {"filters": ["redis_outage"]},
    },
}

# Counts that every server process must share, such as rate limits
# (core.limits): in Redis when REDIS_URL is set, else in this process's memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Counting is quick: give up soon rather than hold a socket waiting.
            # A pooled connection idle for 10 s is checked before use, so the
            # first counts after a Redis restart do not fail on a dead one.
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                "health_check_interval": 10,
            },
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }

# What one connection may send, on every socket (core.consumers): a burst of
# frames per second and a rate per minute; a frame over either is refused with
# a rate_limited error frame. A consumer class may set its own. A client that
# leaves a frame unread for SOCKET_SEND_TIMEOUT seconds is dropped.
SOCKET_FRAMES_PER_SECOND = env.int("SOCKET_FRAMES_PER_SECOND", default=10)
SOCKET_FRAMES_PER_MINUTE = env.int("SOCKET_FRAMES_PER_MINUTE", default=120)
SOCKET_SEND_TIMEOUT = env.float("SOCKET_SEND_TIMEOUT", default=10.0)
if min(SOCKET_FRAMES_PER_SECOND, SOCKET_FRAMES_PER_MINUTE) < 1:
    raise SystemExit(
        "SOCKET_FRAMES_PER_SECOND and SOCKET_FRAMES_PER_MINUTE are at least 1 "
        f"(got {SOCKET_FRAMES_PER_SECOND} and {SOCKET_FRAMES_PER_MINUTE})."
    )
if SOCKET_SEND_TIMEOUT <= 0:
    raise SystemExit(
        f"SOCKET_SEND_TIMEOUT is a number of seconds above 0 (got {SOCKET_SEND_TIMEOUT})."
    )

# Sign in and out with Django's own views (core/urls.py); sockets see the user.
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

CHANX: dict[str, object] = {
    "ASYNCAPI_TITLE": f"{PROJECT_NAME} WebSocket API",
    "ASYNCAPI_DESCRIPTION": {{ cookiecutter.description|python_literal }},
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
# Each retry is another paid request: by default a failure reaches the client,
# who may ask again (within the quota below).
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=0)
# Messages (questions and answers) each connection remembers and sends back
# with a new question; the oldest exchanges go first, also once together they
# are longer than ASSISTANTS_HISTORY_MAX_CHARS.
ASSISTANT_HISTORY_LIMIT = env.int("ASSISTANT_HISTORY_LIMIT", default=20)
ASSISTANTS_HISTORY_MAX_CHARS = env.int("ASSISTANTS_HISTORY_MAX_CHARS", default=12000)
# The longest answer, in tokens (the API's max_completion_tokens).
ASSISTANTS_MAX_ANSWER_TOKENS = env.int("ASSISTANTS_MAX_ANSWER_TOKENS", default=1000)
# Questions each signed-in user (or, when visitors may ask, each client
# address) may ask per minute and per day (a day ends at midnight UTC).
ASSISTANTS_QUESTIONS_PER_MINUTE = env.int("ASSISTANTS_QUESTIONS_PER_MINUTE", default=10)
ASSISTANTS_QUESTIONS_PER_DAY = env.int("ASSISTANTS_QUESTIONS_PER_DAY", default=200)
# Threads (per server process) that wait on the provider: answers being
# written at once beyond this wait for a free one. Only these threads wait on
# the provider, so a slow one cannot hold up anything else.
ASSISTANTS_PROVIDER_THREADS = env.int("ASSISTANTS_PROVIDER_THREADS", default=20)
# Only signed-in users may ask; dev and test settings let visitors ask too.
ASSISTANTS_REQUIRE_LOGIN = env.bool("ASSISTANTS_REQUIRE_LOGIN", default=True)
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
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Jobs one socket may have queued and not yet answered; one more is refused
# with a rate_limited error frame until a result comes back.
SYSTEM_JOBS_IN_FLIGHT = env.int("SYSTEM_JOBS_IN_FLIGHT", default=3)
# Scales the pretend work of each job (1 to 4 s, as in the Chanx tutorial);
# 0 makes jobs instant.
SYSTEM_JOB_DELAY_SCALE = env.float("SYSTEM_JOB_DELAY_SCALE", default=1.0)
# Threads (per server process) that hand jobs to Redis, apart from every other.
SYSTEM_PUBLISH_THREADS = env.int("SYSTEM_PUBLISH_THREADS", default=4)
# A worker acknowledges a job once it has run, not when it takes it, and holds
# one job per process: a job whose worker dies (killed, out of memory, host
# lost) goes back on the queue for the next worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every limit follows from the longest job of system/jobs.py at this delay
# scale (4 s by default). A job still running at twice that plus 5 s (13 s by
# default) is stopped and answered with an error; the worker kills it 2 s
# later if it ignores that (the prefork pool only).
SYSTEM_JOB_TIME_LIMIT = (
    2 * max(job.seconds for job in JOBS.values()) * SYSTEM_JOB_DELAY_SCALE + 5
)
CELERY_TASK_SOFT_TIME_LIMIT = SYSTEM_JOB_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SYSTEM_JOB_TIME_LIMIT + 2
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, float] = {
    "socket_connect_timeout": 1,
    # A job taken and not acknowledged within this time (18 s by default) goes
    # to another worker: longer than any job may run, or one would run twice.
    # Workers look for such jobs every 2 s.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 3,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
    # Check a pooled connection idle for 10 s before using it: a Redis restart
    # leaves dead ones behind.
    "health_check_interval": 10,
}
{%- endif %}
