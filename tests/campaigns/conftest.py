# The real broker and worker fixtures, for the integration test of the tick.
from tests.integration.conftest import redis_url, start_worker

__all__ = ["redis_url", "start_worker"]
