import time, random
from collections import Counter
from anninh import aws, followers
from anninh.clock import utcnow
from anninh.outbox import text, enqueue
from anninh.sending import OutboxSender, RetryPolicy, set_default_sender
from anninh.zalo.tokens import TokenStore
from tests.integration.test_tokens import OA_ID, FakeZalo, decimal_safe_registry, seed_tokens
from tests.integration.test_sender import run_sender
from datetime import timedelta

def test_bench(aws_stack):
    zalo = FakeZalo()
    seed_tokens(TokenStore(client=zalo.client()))
    n = 100
    users = [f"88{i:016d}" for i in range(n)]
    for u in users:
        followers.touch_interaction(OA_ID, u, utcnow() - timedelta(hours=1))
    sender = OutboxSender(zalo=zalo.client(), tokens=TokenStore(client=zalo.client()), sleep=lambda s: None)
    set_default_sender(sender)
    enqueue([text(OA_ID, u, "Xin chào", key=f"bench:{u}") for u in users])
    calls = Counter()
    def hook(event_name, **kw):
        calls[event_name.split(".", 1)[1]] += 1
    import boto3
    for svc in ("dynamodb", "secretsmanager", "sqs", "kms"):
        aws.client(svc).meta.events.register("before-call", hook)
    aws.table().meta.client.meta.events.register("before-call", hook)
    t = time.perf_counter()
    run_sender(max_rounds=50)
    dt = time.perf_counter() - t
    set_default_sender(None)
    print("\nBENCH sent", len(zalo.sent), "in", round(dt, 2), "s", round(dt / n * 1000, 1), "ms/msg", dict(calls))
