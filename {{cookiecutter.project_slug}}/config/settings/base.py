"""Settings every environment shares; what a deployment may change comes from the
environment (or ``.env`` beside ``manage.py``)."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from core.outage import OneLineWarning, QuietRedisOutage

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
    "rest_framework.authtoken",  # sockets' tokens for programs (core.authentication)
    # Full paths: each apps.py imports RealtimeAppConfig too, which would make
    # Django's pick ambiguous. Core's templates/channels/ overrides chanx's.
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
# Under ASGI a connection kept per thread leaks (CONN_MAX_AGE stays 0): PostgreSQL
# connections are lent from psycopg's pool, at most DATABASE_POOL_SIZE a process.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pool_size = env.int("DATABASE_POOL_SIZE", default=4)
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 1, "max_size": _pool_size}}
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

# Password guessing (django-axes): past DJANGO_AXES_FAILURE_LIMIT failed logins an
# address, past DJANGO_AXES_ACCOUNT_FAILURE_LIMIT an account (core.limits.LoginGuard),
# is locked out. The address is the ASGI server's (forwarded headers only from
# FORWARDED_ALLOW_IPS), not axes' own; an IPv6 client's /64 counts as one.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(
    minutes=env.int("DJANGO_AXES_COOLOFF_MINUTES", default=30)
)
AXES_ACCOUNT_FAILURE_LIMIT = env.int("DJANGO_AXES_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_HANDLER = "core.limits.LoginGuard"
AXES_CLIENT_IP_CALLABLE = "core.limits.login_address"
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): everything from this site only, nothing
# inline; core.content_security adds the socket origin and the docs page's needs.
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
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# Unset: sockets talk through memory, in one process. Set: through Redis.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis pub/sub, chosen from measurements (docs/capacity.md). No read timeout:
    # on Python 3.11 one turns a closing socket's cancellation into an error or a
    # hang. An unreachable Redis fails a send in 2 s.
    _host = {"address": REDIS_URL, "socket_timeout": None, "socket_connect_timeout": 2}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_host]},
        },
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Everything to standard output, which terminals, containers and supervisors collect.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}
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
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # A Redis outage is one WARNING and one INFO (core.outage), not a
        # traceback a second from the pubsub layer or each failed probe.
        "channels_redis.pubsub": {"filters": [QuietRedisOutage()]},
        "django.security.DisallowedHost": {"filters": [OneLineWarning()]},
    },
}

# Frames one client may send a second and a minute over all its sockets; one
# whose sends have not moved for SOCKET_SEND_TIMEOUT seconds is dropped.
SOCKET_FRAMES_PER_SECOND = env.int("SOCKET_FRAMES_PER_SECOND", default=10)
SOCKET_FRAMES_PER_MINUTE = env.int("SOCKET_FRAMES_PER_MINUTE", default=120)
SOCKET_SEND_TIMEOUT = env.float("SOCKET_SEND_TIMEOUT", default=10.0)
# Sockets open at once per signed-in user and per address (all its visitors and users).
SOCKETS_PER_USER = env.int("SOCKETS_PER_USER", default=20)
SOCKETS_PER_ADDRESS = env.int("SOCKETS_PER_ADDRESS", default=100)
if min(SOCKET_FRAMES_PER_SECOND, SOCKET_FRAMES_PER_MINUTE, SOCKET_SEND_TIMEOUT) <= 0:
    raise SystemExit(
        "SOCKET_FRAMES_PER_SECOND, SOCKET_FRAMES_PER_MINUTE and SOCKET_SEND_TIMEOUT "
        "are above 0."
    )

# Sign in and out with Django's own views (core/urls.py); sockets see the user.
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# The docs page's renderer (@asyncapi/react-component 3.2.1) is served from
# core/static/asyncapi/, no CDN; the template's scripts/vendor_asyncapi.py pins it.
CHANX: dict[str, object] = {
    "ASYNCAPI_TITLE": f"{PROJECT_NAME} WebSocket API",
    "ASYNCAPI_DESCRIPTION": {{ cookiecutter.description|python_literal }},
    "ASYNCAPI_DOCS_JS_URL": "asyncapi/index.js",
    "ASYNCAPI_DOCS_JS_INTEGRITY": "sha384-wy5bSOazlkSKMGH7XMW6+pK8ho8+rCPr7mTqKdAb/dvfwXAPWCFivgr3C7wJMFAh",
    "ASYNCAPI_DOCS_CSS_URL": "asyncapi/default.min.css",
    "ASYNCAPI_DOCS_CSS_INTEGRITY": "sha384-oo9RoQcacP++XdMX6CjTucTvASEORHX3chFik0/V2kHcsHiVboGyWZztGeq/0bum",
}
# Whether /asyncapi/docs/ and /asyncapi/schema/ are served (production: off).
ASYNCAPI_PUBLIC = env.bool("DJANGO_ASYNCAPI_PUBLIC", default=True)
{%- if cookiecutter.use_chat or cookiecutter.use_assistants or cookiecutter.use_system %}

# Each app's own settings, beside its code.
{%- endif %}
{%- if cookiecutter.use_assistants %}
from assistants.settings import *  # noqa: E402, F403
{%- endif %}
{%- if cookiecutter.use_chat %}
from chat.settings import *  # noqa: E402, F403
{%- endif %}
{%- if cookiecutter.use_system %}
from system.settings import *  # noqa: E402, F403
{%- endif %}
