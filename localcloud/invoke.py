"""`python -m localcloud.invoke FUNCTION EVENT_FILE`: one function on one event (`sam local invoke -e`).

A private local cloud comes up first (moto server, the template's resources, the demo registry, the
fake Zalo; no pollers, no schedules), so the function meets the same world as under `make run`. The
function's result is printed as JSON on stdout; its logs, what it sent to the fake Zalo and what it
left on the queues go to stderr. Exit status 1 when the function raised (with Lambda's error shape).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from localcloud.stack import LocalCloud
from localcloud.template import functions, load_template


def _queue_depths(cloud: LocalCloud) -> dict[str, int]:
    import boto3

    assert cloud.deployment is not None
    sqs = boto3.client("sqs", endpoint_url=cloud.moto_url, region_name="ap-southeast-1")
    depths: dict[str, int] = {}
    for logical, url in cloud.deployment.queue_urls.items():
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        count = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        if count:
            depths[logical] = count
    return depths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud.invoke", description=__doc__)
    parser.add_argument("function", help="logical id in template.yaml, e.g. WebhookFunction")
    parser.add_argument(
        "event", help="event JSON file, e.g. events/webhook_user_send_text.json ('-' = stdin)"
    )
    parser.add_argument("--registry", default=os.environ.get("ANNINH_REGISTRY") or None)
    parser.add_argument("--template", default=os.environ.get("ANNINH_TEMPLATE") or None)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    try:
        raw = sys.stdin.read() if args.event == "-" else Path(args.event).read_text(encoding="utf-8")
        event: Any = json.loads(raw)
    except (OSError, ValueError) as exc:
        print(f"cannot read event {args.event}: {exc}", file=sys.stderr)
        return 2

    names = [s.logical_id for s in functions(load_template(args.template))]
    if args.function not in names:
        print(
            f"no function {args.function} in the template; choose one of: {', '.join(names)}", file=sys.stderr
        )
        return 2

    cloud = LocalCloud(
        port=0, registry_path=args.registry, template=args.template, schedules=False, pollers=False
    )
    cloud.start()
    try:
        spec = next(s for s in cloud.specs if s.logical_id == args.function)
        error: BaseException | None = None
        result: Any = None
        # The function's own prints and logs go to stderr, so stdout carries only its result.
        with contextlib.redirect_stdout(sys.stderr):
            try:
                result = cloud.invoke(spec, event)  # in a worker process of its own, as under `make run`
            except Exception as exc:
                error = exc
                traceback.print_exc()
        if error is not None:
            print(
                json.dumps(
                    {
                        # a worker's error keeps the function's own type, message and trace
                        "errorMessage": getattr(error, "error_message", str(error)),
                        "errorType": getattr(error, "error_type", type(error).__name__),
                        "stackTrace": getattr(error, "trace", None)
                        or traceback.format_tb(error.__traceback__),
                    },
                    ensure_ascii=False,
                )
            )
            return 1
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        assert cloud.fake is not None
        for record in cloud.fake.sent():
            print(
                f"[fake Zalo] {record['endpoint']} oa={record['oa_id']} "
                f"body={json.dumps(record['body'], ensure_ascii=False)}",
                file=sys.stderr,
            )
        for queue, depth in _queue_depths(cloud).items():
            print(f"[queues] {queue}: {depth} message(s) waiting", file=sys.stderr)
        return 0
    finally:
        cloud.stop()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip the slow interpreter teardown of the in-memory cloud
