"""Chat tests that need Redis, collected only when REDIS_URL is set: the load
and membership tests start two servers that share it, the outage tests fault a
Redis of their own (see core/tests/collection.py).
"""

from core.tests.collection import needing_redis

collect_ignore = needing_redis(
    __file__, ["test_chat_outage.py", "test_load.py", "test_membership.py"]
)
