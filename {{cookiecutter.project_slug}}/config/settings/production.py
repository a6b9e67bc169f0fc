"""Production: secrets and hosts from the environment; HTTPS only, secure cookies
and HSTS unless the environment relaxes them. ``check --deploy`` passes."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env, env_list

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    # SystemExit, not ImproperlyConfigured: one line on stderr, no traceback.
    raise SystemExit(
        "DJANGO_SECRET_KEY is not set: production needs a long random secret key."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. A proxy in front ends TLS and says so in X-Forwarded-Proto (overwriting
# any a client sent); turn it off when clients reach this server directly.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
# Browsers remember HSTS: start low, raise it (31536000) once all works on HTTPS.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# Static files: collected at build time and served by WhiteNoise, compressed and
# with hashed names that browsers cache forever.
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE = MIDDLEWARE.copy()  # base's own list stays as it is
MIDDLEWARE.insert(_security + 1, "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The AsyncAPI docs describe every socket: private unless asked for.
ASYNCAPI_PUBLIC = env.bool("DJANGO_ASYNCAPI_PUBLIC", default=False)
