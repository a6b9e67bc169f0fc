"""The core tests that fault Redis start a Redis of their own, but are
collected only when REDIS_URL is set: a run without it is one without Redis as
far as the project knows (see core/tests/collection.py)."""

from core.tests.collection import needing_redis

collect_ignore = needing_redis(__file__, ["test_readiness_outage.py"])
