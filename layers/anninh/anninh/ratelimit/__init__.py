"""The shared send limiter: GCRA slots per Zalo app on one DynamoDB item (see `limiter`).

- `limiter`: the algorithm (`RateLimiter`, `LocalTokens`), no I/O of its own;
- `store`: the bucket item (`BucketStore` and its DynamoDB implementation).
"""

from anninh.ratelimit.limiter import Clock, Grant, LocalTokens, RateLimiter, SystemClock
from anninh.ratelimit.store import BucketChanged, BucketStore, DynamoBucketStore, default_bucket_store

__all__ = [
    "BucketChanged",
    "BucketStore",
    "Clock",
    "DynamoBucketStore",
    "Grant",
    "LocalTokens",
    "RateLimiter",
    "SystemClock",
    "default_bucket_store",
]
