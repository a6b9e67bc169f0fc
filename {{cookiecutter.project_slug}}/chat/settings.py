"""Chat history's settings (``config.settings.base`` imports them)."""

import environ

env = environ.Env()

# Messages a member joining a room is shown, the newest of them, oldest first.
CHAT_HISTORY_ON_JOIN = env.int("CHAT_HISTORY_ON_JOIN", default=50)
# What a room keeps, the newest first: both bounds hold (0 turns one off).
CHAT_HISTORY_PER_ROOM = env.int("CHAT_HISTORY_PER_ROOM", default=1000)
CHAT_HISTORY_DAYS = env.int("CHAT_HISTORY_DAYS", default=30)
