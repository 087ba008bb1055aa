"""Speed and cost figures: `make bench` (all sections) or `python -m scripts.bench --only webhook`.

A small framework: each area registers a section in SECTIONS (name -> function taking the parsed
arguments and returning a dict of figures); the runner prints them, and `--json` writes them too.

Sections:
- sending: the outbox sender's own cost per message (latency, AWS calls) with an instant fake Zalo,
  what a redelivered item costs, and exactly-once delivery under -216, -32 x5 and a network error.
- webhook: the webhook handler in-process against an embedded moto server (the same AWS emulation
  the local stack uses): acknowledgement latency p50/p99 at 1 and 16 concurrent senders, AWS calls
  per inbound message on the acknowledgement path (counted with a botocore hook), and events/s
  sustained with zero loss (every accepted event has its receipt and its queue message).
- emergency: precision and recall per emergency class on the labelled set (dev / held-out).
- stack: the whole `make run` over HTTP against issue 12's targets: idle CPU, acknowledgement p50/p99
  at 1 and 16 senders, a 300-event burst from 60 citizens fully processed, AWS calls per inbound
  message end to end (scripts/bench_stack.py).
- coldstart: each function's cold import as a multiple of the floor measured in the same run, and
  each `sam build` artifact's size (scripts/bench_coldstart.py).
- encryption: what field-level encryption (anninh.crypto) costs per inbound message: KMS calls
  (amortised and per container-hour), seal/open operations and their CPU time, against the inbound
  function's own time per message (webhook -> queue -> inbound function on embedded moto).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Section = Callable[[argparse.Namespace], dict[str, Any]]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _MotoStack:
    """An embedded moto server with the template's resources and the demo app secrets."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = _free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def __enter__(self) -> _MotoStack:
        self.server.start()
        endpoint = f"http://127.0.0.1:{self.port}"
        self._reset(endpoint)  # moto's state is per process: start every section from a clean account
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "ap-southeast-1",
                "AWS_REGION": "ap-southeast-1",
                "POWERTOOLS_TRACE_DISABLED": "1",
                "POWERTOOLS_LOG_LEVEL": "ERROR",
                "POWERTOOLS_METRICS_NAMESPACE": "AnNinhOA",
                "POWERTOOLS_SERVICE_NAME": "anninh",
            }
        )
        from anninh.aws import reset_clients
        from anninh.registry import Registry
        from anninh.registry.store import save_app_secrets
        from anninh.settings import reset_settings
        from localcloud.resources import deploy

        self.deployment = deploy(endpoint_url=endpoint, parameters={"Stage": "dev"})
        os.environ.update(self.deployment.environment())
        os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # keep the figures readable
        reset_settings()
        reset_clients()
        self.registry = Registry.load(os.environ.get("ANNINH_REGISTRY") or ROOT / "demo" / "registry.json")
        save_app_secrets(self.registry.apps)
        return self

    def __exit__(self, *exc: object) -> None:
        self._reset(f"http://127.0.0.1:{self.port}")
        self.server.stop()

    @staticmethod
    def _reset(endpoint: str) -> None:
        import urllib.request

        with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")):
            pass


def _signed_events(
    registry: Any, count: int, tag: str, text: str = "Cho tôi hỏi thủ tục tạm trú"
) -> list[dict[str, Any]]:
    from scripts.make_events import api_event, signed

    app = registry.apps[0]
    oas = [o.oa_id for o in registry.oas]
    events = []
    base = int(time.time() * 1000)
    for i in range(count):
        body = {
            "event_name": "user_send_text",
            "timestamp": str(base + i),
            "sender": {"id": f"84{i % 500:017d}"},
            "recipient": {"id": oas[i % len(oas)]},
            "user_id_by_app": f"84{i % 500:017d}",
            "message": {"msg_id": f"{tag}-{i}-{uuid.uuid4().hex[:8]}", "text": text},
        }
        raw, sig = signed(body, app.app_id, app.oa_secret_key)
        events.append(api_event(raw, sig, request_id=str(uuid.uuid4())))
    return events


def _run(
    handler: Callable[[dict[str, Any], Any], Any], events: list[dict[str, Any]], workers: int, context: Any
) -> tuple[list[float], float, list[int]]:
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def one(event: dict[str, Any]) -> None:
        start = time.perf_counter()
        result = handler(event, context)
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)
            statuses.append(int(result["statusCode"]))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, events))
    return latencies, time.perf_counter() - start, statuses


def stack_registry() -> Any:
    from anninh.registry import Registry

    return Registry.load(os.environ.get("ANNINH_REGISTRY") or ROOT / "demo" / "registry.json")


def _own_overhead(registry: Any, n: int = 2000) -> dict[str, float]:
    """The webhook's own work per event (signature, parsing, dedupe, envelope) with in-memory ports."""
    from anninh.intake.webhook import Webhook, WebhookRequest, decode_body

    app = registry.apps[0]

    class Memory:
        def __init__(self) -> None:
            self.keys: set[str] = set()

        def put_new(self, key: str, item: dict[str, Any]) -> bool:
            if key in self.keys:
                return False
            self.keys.add(key)
            return True

        def delete(self, key: str) -> None:
            self.keys.discard(key)

        def send(self, body: str, group_id: str, deduplication_id: str) -> None:
            return None

        def oa_secret_key(self, app_id: str) -> str | None:
            return app.oa_secret_key if app_id == app.app_id else None

    memory = Memory()
    hook = Webhook(secrets=memory, receipts=memory, queue=memory)
    events = _signed_events(registry, n, "own")
    timings = []
    for event in events:
        start = time.perf_counter()
        body = decode_body(event["body"], False)
        result = hook.handle(WebhookRequest(body=body, headers=event["headers"]))
        timings.append((time.perf_counter() - start) * 1000)
        assert result.status == 200
    return {"p50_ms": round(percentile(timings, 50), 3), "p99_ms": round(percentile(timings, 99), 3)}


def _receipt_seal_cost(event: dict[str, Any], n: int = 2000) -> dict[str, Any]:
    """What sealing the receipt's raw body (intake/store.py) adds to the acknowledgement path, with the
    container's data key already made (a cold container first pays one GenerateDataKey round trip)."""
    from anninh import crypto
    from anninh.intake.store import raw_context

    typical = str(event["body"])
    big = json.dumps({"message": {"text": "Báo tin " * 22_500}}, ensure_ascii=False)  # ~180 KB
    crypto.encrypt_text(typical, context=raw_context("warm"))  # the data key is cached from here on

    def timed(text: str, runs: int) -> list[float]:
        out = []
        for i in range(runs):
            start = time.perf_counter()
            crypto.encrypt_text(text, context=raw_context(f"k-{i}"))
            out.append((time.perf_counter() - start) * 1000)
        return out

    before = sum(crypto.kms_calls.values())
    small = timed(typical, n)
    large = timed(big, 50)
    kms = sum(crypto.kms_calls.values()) - before
    return {
        "typical_body_bytes": len(typical.encode()),
        "typical_p50_ms": round(percentile(small, 50), 4),
        "typical_p99_ms": round(percentile(small, 99), 4),
        "body_180kb_p50_ms": round(percentile(large, 50), 3),
        "kms_calls_per_seal_warm": round(kms / (n + 50), 4),
        "cold_start_extra": "one kms:GenerateDataKey per container (then hourly)",
    }


def bench_webhook(args: argparse.Namespace) -> dict[str, Any]:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "AnNinhOA")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "anninh")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    import io
    from contextlib import redirect_stdout

    with redirect_stdout(io.StringIO()):
        own = _own_overhead(stack_registry())
    with _MotoStack() as stack:
        from anninh import aws, wiring
        from localcloud.lambdas import LambdaContext, load_handler, spec_for

        wiring.reset()
        handler = load_handler(spec_for("WebhookFunction"))
        context = LambdaContext(function_name="bench-webhook", timeout_seconds=6)
        sink = io.StringIO()  # EMF metric lines
        calls: list[str] = []

        def count_call(event_name: str, **_: Any) -> None:
            calls.append(event_name.removeprefix("before-call."))

        with redirect_stdout(sink):
            _run(handler, _signed_events(stack.registry, 1, "cold"), 1, context)  # cold start
            _run(handler, _signed_events(stack.registry, 19, "warm"), 4, context)  # warm caches
            for service in ("dynamodb", "sqs", "secretsmanager", "kms"):
                aws.client(service).meta.events.register("before-call", count_call)
            figures: dict[str, Any] = {}
            accepted = 0
            n = args.events
            for workers in (1, 16):
                events = _signed_events(
                    stack.registry, n if workers == 16 else max(50, n // 4), f"c{workers}"
                )
                calls.clear()
                latencies, elapsed, statuses = _run(handler, events, workers, context)
                accepted += statuses.count(200)
                figures[f"concurrency_{workers}"] = {
                    "events": len(events),
                    "p50_ms": round(percentile(latencies, 50), 2),
                    "p99_ms": round(percentile(latencies, 99), 2),
                    "max_ms": round(max(latencies), 2),
                    "events_per_s": round(len(events) / elapsed, 1),
                    "aws_calls_per_event": round(len(calls) / len(events), 3),
                    "aws_calls": sorted(set(calls)),
                    "non_200": len(events) - statuses.count(200),
                }
            # A duplicate delivery: one call, nothing queued.
            dup = _signed_events(stack.registry, 1, "dup")[0]
            handler(dup, context)
            calls.clear()
            handler(dup, context)
            figures["duplicate_aws_calls"] = len(calls)
        sqs = aws.client("sqs")
        attrs = sqs.get_queue_attributes(
            QueueUrl=stack.deployment.queue_urls["InboundQueue"],
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]
        queued = int(attrs["ApproximateNumberOfMessages"]) - 20 - 1  # minus warm-up and the duplicate test
        figures["handler_own_cpu_ms"] = own
        figures["receipt_seal"] = _receipt_seal_cost(dup)
        figures["accepted"] = accepted
        figures["queued"] = queued
        figures["lost"] = accepted - queued
        figures["note"] = (
            "in-process handler against a local moto server on this shared machine; "
            "real AWS latencies differ (DynamoDB/SQS ~5-10 ms each in-region)"
        )
        return figures


def bench_sending(args: argparse.Namespace) -> dict[str, Any]:
    """Outbox sender: per-message latency and AWS calls with an instant fake Zalo (our own cost),
    the calls a redelivered (already sent) item costs, and exactly-once under injected faults."""
    import io
    import logging
    import random
    from contextlib import redirect_stdout
    from datetime import timedelta

    import httpx

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    with _MotoStack() as stack, redirect_stdout(io.StringIO()):
        from anninh import aws, followers
        from anninh.clock import iso, utcnow
        from anninh.outbox import text
        from anninh.sending import OutboxSender, RetryPolicy
        from anninh.zalo.client import ZaloClient
        from anninh.zalo.tokens import TokenRecord, TokenStore

        registry = stack.registry
        oa = registry.oas[1]
        faults: list[int | str] = []
        delivered: list[str] = []
        tokens = {"live": "A0", "refresh": "R0"}

        def zalo(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/v4/oa/access_token"):
                tokens.update(live=tokens["live"] + "'", refresh=tokens["refresh"] + "'")
                return httpx.Response(
                    200,
                    json={
                        "access_token": tokens["live"],
                        "refresh_token": tokens["refresh"],
                        "expires_in": "90000",
                    },
                )
            fault = faults.pop(0) if faults else None
            if fault == "network":
                raise httpx.ConnectError("refused", request=request)
            if fault is not None:
                return httpx.Response(200, json={"error": fault, "message": "injected"})
            if request.headers.get("access_token") != tokens["live"]:
                return httpx.Response(200, json={"error": -216, "message": "invalid token"})
            delivered.append(json.loads(request.content)["recipient"]["user_id"])
            return httpx.Response(200, json={"error": 0, "data": {"message_id": f"z{len(delivered)}"}})

        client = ZaloClient(
            api_base="http://zalo.bench", oauth_base="http://zalo.bench", transport=httpx.MockTransport(zalo)
        )
        apps = {a.app_id: a.app_secret for a in registry.apps}
        store = TokenStore(client=client, app_secret=apps.__getitem__)
        now = utcnow()
        store.save(
            TokenRecord(
                oa_id=oa.oa_id,
                app_id=oa.app_id,
                access_token="A0",
                refresh_token="R0",
                expires_at=iso(now + timedelta(hours=20)),
                refreshed_at=iso(now),
            )
        )
        sender = OutboxSender(
            zalo=client,
            tokens=store,
            unit_for=lambda oa_id: oa.unit_id,
            policy=RetryPolicy(queue_min=0),
            sleep=lambda s: None,
            rng=random.Random(1),
        )
        n = max(30, args.events // 8)
        users = [f"88{i:016d}" for i in range(n)]
        for user in users:
            followers.touch_interaction(oa.oa_id, user, now - timedelta(hours=1))
        calls: list[str] = []

        def count_call(event_name: str, **_: Any) -> None:
            calls.append(event_name.removeprefix("before-call."))

        for service in ("dynamodb", "sqs", "secretsmanager", "kms"):
            aws.client(service).meta.events.register("before-call", count_call)
        aws.table().meta.client.meta.events.register("before-call", count_call)
        sender.deliver(text(oa.oa_id, users[0], "warm-up", key="bench:warm"))  # caches, connections
        calls.clear()
        latencies = []
        started = time.perf_counter()
        for i, user in enumerate(users):
            t = time.perf_counter()
            outcome = sender.deliver(text(oa.oa_id, user, "Công an phường đã nhận tin.", key=f"bench:{i}"))
            latencies.append((time.perf_counter() - t) * 1000)
            assert outcome.status == "sent", outcome
        elapsed = time.perf_counter() - started
        per_message = len(calls) / n
        kinds = sorted(set(calls))
        calls.clear()
        again = sender.deliver(text(oa.oa_id, users[0], "Công an phường đã nhận tin.", key="bench:0"))
        redelivery_calls = len(calls)
        # -216 once, -32 five times, a refused connection: the item comes back until it is sent.
        faults.extend([-216, -32, -32, -32, -32, -32, "network"])
        before = len(delivered)
        faulty = text(oa.oa_id, users[1], "Tin nhắn qua sự cố.", key="bench:faulty")
        deliveries = 0
        for receive in range(1, 9):
            deliveries = receive
            if sender.deliver(faulty, receive_count=receive).status != "retry":
                break
        return {
            "messages": n,
            "deliver_p50_ms": round(percentile(latencies, 50), 2),
            "deliver_p99_ms": round(percentile(latencies, 99), 2),
            "messages_per_s_one_sender": round(n / elapsed, 1),
            "aws_calls_per_message": round(per_message, 2),
            "aws_calls": kinds,
            "redelivered_item": {"outcome": again.status, "aws_calls": redelivery_calls},
            "faults_-216_-32x5_network": {"sqs_deliveries": deliveries, "sent": len(delivered) - before},
            "note": (
                "fake Zalo answers instantly; moto server on this shared machine. In AWS each DynamoDB "
                "call is ~5-10 ms and Zalo's answer dominates"
            ),
        }


SECTIONS: dict[str, Section] = {"webhook": bench_webhook, "sending": bench_sending}


def bench_matcher(args: argparse.Namespace) -> dict[str, Any]:
    """matcher: FAQ matcher latency per question and accuracy on tests/data/faq_eval.jsonl (dev/held-out)."""
    from scripts.bench_matcher import bench_matcher as run

    return run(ROOT / "tests" / "data" / "faq_eval.jsonl")


SECTIONS["matcher"] = bench_matcher


def bench_emergency(args: argparse.Namespace) -> dict[str, Any]:
    """emergency: precision/recall per class (violence 113, fire 114, medical 115, rescue 112) of the
    emergency detector on tests/data/emergency_eval.jsonl, dev and held-out splits."""
    from anninh.cases.emergency_eval import bench_emergency as run

    return run(ROOT / "tests" / "data" / "emergency_eval.jsonl")


SECTIONS["emergency"] = bench_emergency


def bench_broadcast(args: argparse.Namespace) -> dict[str, Any]:
    """broadcast: planner AWS calls per 1,000 recipients; 10,000 followers by four concurrent senders
    at a scaled 600/min (rate fraction, -32s by us, duplicates); projected time for 157,200 at 4,000/min."""
    from scripts.bench_broadcast import bench_broadcast as run

    return run()


SECTIONS["broadcast"] = bench_broadcast


def bench_coldstart(args: argparse.Namespace) -> dict[str, Any]:
    from scripts.bench_coldstart import bench_coldstart as run

    return run(args)


SECTIONS["coldstart"] = bench_coldstart


def bench_encryption(args: argparse.Namespace) -> dict[str, Any]:
    import io
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from contextlib import redirect_stdout

    with redirect_stdout(io.StringIO()), _MotoStack() as stack:
        from anninh import aws, crypto, wiring
        from anninh.registry.store import save_registry
        from localcloud.lambdas import LambdaContext, load_handler, spec_for
        from localcloud.pollers import sqs_event

        save_registry(stack.registry)
        crypto.reset_crypto_caches()
        wiring.reset()
        webhook = load_handler(spec_for("WebhookFunction"))
        inbound = load_handler(spec_for("InboundFunction"))
        context = LambdaContext(function_name="bench-encryption", timeout_seconds=60)
        spent = {"seal_ms": 0.0, "seals": 0, "open_ms": 0.0, "opens": 0}
        seal, unseal = crypto.encrypt_text, crypto.decrypt_text

        def timed_seal(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return seal(*a, **k)
            finally:
                spent["seal_ms"] += (time.perf_counter() - started) * 1000
                spent["seals"] += 1

        def timed_open(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return unseal(*a, **k)
            finally:
                spent["open_ms"] += (time.perf_counter() - started) * 1000
                spent["opens"] += 1

        crypto.encrypt_text, crypto.decrypt_text = timed_seal, timed_open  # type: ignore[assignment]
        sqs = aws.client("sqs")
        url = stack.deployment.queue_urls["InboundQueue"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        n = max(20, min(args.events, 200))
        # Half questions (conversation log), half tips (conversation log + a case with sealed fields).
        events = _signed_events(stack.registry, n // 2, "enc-q") + _signed_events(
            stack.registry, n - n // 2, "enc-t", "Báo tin có người lạ cạy khóa xe ở hẻm 12"
        )
        kms_before = dict(crypto.kms_calls)
        inbound_ms = 0.0
        try:
            for event in events:
                assert webhook(event, context)["statusCode"] == 200
            processed = 0
            while processed < n:
                got = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=60
                ).get("Messages", [])
                if not got:
                    break
                batch = sqs_event(got, arn)
                started = time.perf_counter()
                inbound(batch, context)
                inbound_ms += (time.perf_counter() - started) * 1000
                for m in got:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                processed += len(got)
        finally:
            crypto.encrypt_text, crypto.decrypt_text = seal, unseal  # type: ignore[assignment]
        kms = {k: crypto.kms_calls[k] - kms_before.get(k, 0) for k in crypto.kms_calls}
    per = max(processed, 1)
    crypto_ms = spent["seal_ms"] + spent["open_ms"]
    return {
        "messages": processed,
        "kms_calls": kms,
        "kms_calls_per_message": round(sum(kms.values()) / per, 4),
        "kms_calls_per_container_hour": "1 GenerateDataKey (data key re-made hourly) + 1 Decrypt per "
        "other container's data key seen, cached (LRU of 64)",
        "seals_per_message": round(spent["seals"] / per, 2),
        "seal_ms_per_message": round(spent["seal_ms"] / per, 3),
        "opens_per_message": round(spent["opens"] / per, 2),
        "open_ms_per_message": round(spent["open_ms"] / per, 3),
        "inbound_ms_per_message": round(inbound_ms / per, 2),
        "encryption_share_of_inbound": f"{100 * crypto_ms / max(inbound_ms, 1e-9):.1f}%",
        "note": "KMS calls counted in anninh.crypto; times in-process on this shared machine with moto "
        "(a real GenerateDataKey is ~10-20 ms once per container-hour)",
    }


SECTIONS["encryption"] = bench_encryption


def bench_stack(args: argparse.Namespace) -> dict[str, Any]:
    from scripts.bench_stack import bench_stack as run

    return run(args)


SECTIONS["stack"] = bench_stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--events", type=int, default=400, help="events per webhook run at 16 senders")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--coldstart-runs", type=int, default=3, help="cold imports measured per function")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for name in args.only or list(SECTIONS):
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        results[name] = SECTIONS[name](args)
        results[name]["section_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(results[name], ensure_ascii=False, indent=2), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
