"""Background jobs' settings, from the environment (``config.settings.base``
imports them). Celery reads every CELERY_* setting (config/celery.py)."""

import environ

from system.jobs import JOBS

env = environ.Env()

# Jobs reach the worker through Redis and come back through the channel layer:
# without REDIS_URL the system socket refuses them, saying so.
CELERY_BROKER_URL = env.str("REDIS_URL", default="")
# kombu's Redis transport, made to outlive a Redis restart (config.celery); kombu's
# own for rediss://, which it sets up for TLS from the URL's scheme.
CELERY_BROKER_TRANSPORT = (
    "config.celery.RedisTransport" if CELERY_BROKER_URL.startswith("redis:") else None
)
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unreachable broker is given up within about 2 s, and the client told.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Jobs one client (a user, else an address) may await at once over all its
# sockets, and may queue a minute.
SYSTEM_JOBS_IN_FLIGHT = env.int("SYSTEM_JOBS_IN_FLIGHT", default=3)
SYSTEM_JOBS_PER_MINUTE = env.int("SYSTEM_JOBS_PER_MINUTE", default=20)
# A worker started without --concurrency runs one job more than one client may
# have waiting, so a flood from one client always leaves a process for others
# (config.celery warns of fewer).
CELERY_WORKER_CONCURRENCY = SYSTEM_JOBS_IN_FLIGHT + 1
# Scales each job's pretend work (1 to 4 s, as in the tutorial); 0: instant.
SYSTEM_JOB_DELAY_SCALE = env.float("SYSTEM_JOB_DELAY_SCALE", default=1.0)
# Threads per server process that hand jobs to Redis, and nothing else.
SYSTEM_PUBLISH_THREADS = env.int("SYSTEM_PUBLISH_THREADS", default=4)
# A job is acknowledged once it has run, one at a time per worker process: a
# job whose worker dies goes back on the queue for the next one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery 5's way, kept past 6.0: a lost broker does not cancel the jobs running
# (cancelling needs the broker that is gone: it fails, with tracebacks).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# From the longest job at this scale (4 s by default): a job still running at
# twice that plus 5 s is stopped and answered with an error, and killed 2 s
# later if it ignores that (prefork pool only). Taken and not acknowledged
# 3 s after that, it goes to another worker, which look every 2 s.
SYSTEM_JOB_TIME_LIMIT = (
    2 * max(job.seconds for job in JOBS.values()) * SYSTEM_JOB_DELAY_SCALE + 5
)
CELERY_TASK_SOFT_TIME_LIMIT = SYSTEM_JOB_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SYSTEM_JOB_TIME_LIMIT + 2
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, float] = {
    "socket_connect_timeout": 1,
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 3,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
    # A pooled connection idle for 10 s is checked first: a restart kills them.
    "health_check_interval": 10,
}
# How long a job's result waits for its owner's page (system.results).
SYSTEM_JOB_RESULTS_HOURS = env.int("SYSTEM_JOB_RESULTS_HOURS", default=24)
