"""The assistant's settings, from the environment (``config.settings.base`` imports them)."""

import environ

env = environ.Env()

# OpenAI, or any server with its API when OPENAI_BASE_URL is set (a local
# model server, a proxy, another provider). Each retry is another paid request:
# by default a failure reaches the client, who may ask again.
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=60.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=0)
# What one question may cost: the messages (and characters) of the history sent
# with it, oldest exchanges dropped first, and the answer's length in tokens.
ASSISTANT_HISTORY_LIMIT = env.int("ASSISTANT_HISTORY_LIMIT", default=20)
ASSISTANTS_HISTORY_MAX_CHARS = env.int("ASSISTANTS_HISTORY_MAX_CHARS", default=12000)
ASSISTANTS_MAX_ANSWER_TOKENS = env.int("ASSISTANTS_MAX_ANSWER_TOKENS", default=1000)
# Questions one client (signed-in user, else address) may ask a minute and a day.
ASSISTANTS_QUESTIONS_PER_MINUTE = env.int("ASSISTANTS_QUESTIONS_PER_MINUTE", default=10)
ASSISTANTS_QUESTIONS_PER_DAY = env.int("ASSISTANTS_QUESTIONS_PER_DAY", default=200)
# Threads per server process that wait on the provider, and nothing else.
ASSISTANTS_PROVIDER_THREADS = env.int("ASSISTANTS_PROVIDER_THREADS", default=20)
# Only signed-in users may ask; dev and test settings let visitors ask too.
ASSISTANTS_REQUIRE_LOGIN = env.bool("ASSISTANTS_REQUIRE_LOGIN", default=True)
