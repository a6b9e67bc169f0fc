"""Local development: debug pages, a throwaway secret key, localhost only."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env, env_list

DEBUG = True
# Daphne lends runserver its websockets; it goes first to replace the command.
# Only development needs it: production runs uvicorn, and tests import no server.
INSTALLED_APPS = ["daphne", *INSTALLED_APPS]
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-development-only-never-use-in-production",
)
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)
{%- if cookiecutter.use_assistants %}

# Anyone who opens the page may ask; sign in to try the production behaviour.
ASSISTANTS_REQUIRE_LOGIN = env.bool("ASSISTANTS_REQUIRE_LOGIN", default=False)
{%- endif %}
