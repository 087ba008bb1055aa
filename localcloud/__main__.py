"""`python -m localcloud --port 3000`: the local stack with demo data, in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from localcloud.stack import LocalCloud
from localcloud.state import default_state_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--registry",
        default=os.environ.get("ANNINH_REGISTRY") or None,
        help="registry JSON (default: $ANNINH_REGISTRY, else demo/registry.json)",
    )
    parser.add_argument(
        "--template",
        default=os.environ.get("ANNINH_TEMPLATE") or None,
        help="SAM template (default: $ANNINH_TEMPLATE, else template.yaml)",
    )
    parser.add_argument(
        "--pollers",
        type=int,
        default=int(os.environ.get("LOCAL_POLLERS") or 2),
        help="concurrent pollers per SQS event source (0 disables them)",
    )
    parser.add_argument(
        "--no-schedules",
        action="store_true",
        help="do not fire schedules automatically (also: LOCAL_SCHEDULES=off)",
    )
    parser.add_argument(
        "--state-dir",
        default=os.environ.get("LOCAL_STATE_DIR") or None,
        help="where state survives restarts (default: $LOCAL_STATE_DIR, else .localcloud/state; "
        "'off' keeps everything in memory)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("localcloud").setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    if not args.verbose:
        for name in ("localcloud.gateway", "localcloud.pollers", "localcloud.schedules"):
            logging.getLogger(name).setLevel(logging.WARNING)

    schedules = not args.no_schedules and os.environ.get("LOCAL_SCHEDULES", "on").lower() not in (
        "off",
        "0",
        "false",
        "no",
    )
    cloud = LocalCloud(
        port=args.port,
        host=args.host,
        registry_path=Path(args.registry) if args.registry else None,
        template=Path(args.template) if args.template else None,
        schedules=schedules,
        pollers=args.pollers > 0,
        poller_concurrency=max(1, args.pollers),
        state_dir=None
        if (args.state_dir or "").lower() in ("off", "none", "memory")
        else Path(args.state_dir)
        if args.state_dir
        else default_state_dir(),
    )
    stop = threading.Event()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        cloud.start()
    except OSError as exc:
        print(f"localcloud: cannot start on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(cloud.banner(), flush=True)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    print("\nlocalcloud: stopping", file=sys.stderr, flush=True)
    cloud.stop()
    # The state is saved (cloud.stop): skip the interpreter's slow teardown of moto's object graph.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
