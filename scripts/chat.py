"""Play a citizen in the terminal against a running local cloud (`make run`, then `make chat`).

Each line you type becomes a `user_send_text` event, signed as Zalo signs it
(sha256(app_id + raw_body + timestamp + oa_secret_key), header `X-ZEvent-Signature: mac=<hex>`) and
posted to /webhook/zalo. What the OA sends back is read from the fake Zalo and printed.

Commands: /photo, /video, /location <lat> <lon>, /follow, /unfollow, /oa <oa_id>, /user <id>, /oas,
/help, /quit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
DISTRICT_OA = "2200000000000000000"
HELP = """Lệnh:
  (gõ nội dung)          gửi tin nhắn văn bản tới OA
  /photo                 gửi một ảnh minh hoạ        /video   gửi một video minh hoạ
  /location <vĩ độ> <kinh độ>   gửi vị trí (mặc định: trung tâm quận Tân Phú)
  /follow, /unfollow     quan tâm / bỏ quan tâm OA
  /oa <oa_id>            đổi OA đang trò chuyện        /oas     liệt kê các OA
  /user <id>             đổi mã người dùng Zalo        /quit    thoát"""


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


def now_ms() -> str:
    return str(int(time.time() * 1000))


class Citizen:
    """One citizen talking to one OA through the local webhook."""

    def __init__(self, base: str, registry: dict[str, Any], oa_id: str, user_id: str) -> None:
        self.base = base.rstrip("/")
        self.registry = registry
        self.http = httpx.Client(base_url=self.base, timeout=15.0)
        self.user_id = user_id
        self.oa_id = oa_id
        self.seen = 0
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- registry
    def oa(self, oa_id: str) -> dict[str, Any] | None:
        return next((o for o in self.registry["oas"] if o["oa_id"] == oa_id), None)

    def app(self) -> dict[str, Any]:
        oa = self.oa(self.oa_id) or {}
        return next(
            (a for a in self.registry["apps"] if a["app_id"] == oa.get("app_id")), self.registry["apps"][0]
        )

    # ---------------------------------------------------------------- events
    def _user_event(self, name: str, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "app_id": self.app()["app_id"],
            "user_id_by_app": self.user_id,
            "event_name": name,
            "timestamp": now_ms(),
            "sender": {"id": self.user_id},
            "recipient": {"id": self.oa_id},
            "message": {"msg_id": uuid.uuid4().hex, **message},
        }

    def text(self, text: str) -> dict[str, Any]:
        return self._user_event("user_send_text", {"text": text})

    def media(self, kind: str) -> dict[str, Any]:
        name = f"{uuid.uuid4().hex[:8]}.{'jpg' if kind == 'image' else 'mp4'}"
        url = f"{self.base}/_local/zalo-cdn/{name}"
        thumb = f"{self.base}/_local/zalo-cdn/thumb-{name.rsplit('.', 1)[0]}.jpg"
        payload: dict[str, Any] = {"url": url, "thumbnail": thumb}
        if kind == "video":
            payload["description"] = "Video minh hoạ"
        event_name = "user_send_image" if kind == "image" else "user_send_video"
        return self._user_event(event_name, {"text": "", "attachments": [{"type": kind, "payload": payload}]})

    def location(self, lat: str, lon: str) -> dict[str, Any]:
        return self._user_event(
            "user_send_location",
            {
                "text": "",
                "attachments": [
                    {"type": "location", "payload": {"coordinates": {"latitude": lat, "longitude": lon}}}
                ],
            },
        )

    def follow(self, follow: bool = True) -> dict[str, Any]:
        return {
            "app_id": self.app()["app_id"],
            "oa_id": self.oa_id,
            "user_id_by_app": self.user_id,
            "event_name": "follow" if follow else "unfollow",
            "timestamp": now_ms(),
            "source": "oa_profile",
            "follower": {"id": self.user_id},
        }

    def post(self, event: dict[str, Any]) -> httpx.Response:
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        app = self.app()
        headers = {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": signature(app["app_id"], body, event["timestamp"], app["oa_secret_key"]),
        }
        return self.http.post("/webhook/zalo", content=body, headers=headers)

    # ---------------------------------------------------------------- replies
    def replies(self) -> list[dict[str, Any]]:
        reply = self.http.get("/_local/zalo/sent", params={"user_id": self.user_id})
        reply.raise_for_status()
        records: list[dict[str, Any]] = reply.json()
        with self._lock:
            new = records[self.seen :]
            self.seen = len(records)
        return new

    def skip_history(self) -> None:
        self.replies()


def describe(record: dict[str, Any], registry: dict[str, Any]) -> str:
    """A sent message as the citizen would see it: text, images, buttons."""
    body = record.get("body") or {}
    message = body.get("message") or {}
    oa = next((o["name"] for o in registry["oas"] if o["oa_id"] == record.get("oa_id")), record.get("oa_id"))
    lines: list[str] = []
    if message.get("text"):
        lines.append(str(message["text"]))
    payload = (message.get("attachment") or {}).get("payload") or {}
    for element in payload.get("elements") or []:
        title = element.get("title") or element.get("media_type") or "phần tử"
        subtitle = f" - {element['subtitle']}" if element.get("subtitle") else ""
        lines.append(f"  [{title}{subtitle}]")
    for button in payload.get("buttons") or []:
        target = button.get("payload")
        extra = ""
        if isinstance(target, dict):
            extra = target.get("url") or target.get("phone_code") or ""
        lines.append(f"  ( {button.get('title', '?')} ){' ' + extra if extra else ''}")
    if body.get("template_id"):
        lines.append(
            f"  [mẫu {body['template_id']}] {json.dumps(body.get('template_data'), ensure_ascii=False)}"
        )
    if not lines:
        lines.append(json.dumps(body, ensure_ascii=False))
    return f"\033[36m{oa}:\033[0m " + "\n".join(lines)


def watch(citizen: Citizen, stop: threading.Event) -> None:
    """Print the OA's messages as they arrive."""
    while not stop.is_set():
        try:
            for record in citizen.replies():
                print("\r" + describe(record, citizen.registry), flush=True)
                print("> ", end="", flush=True)
        except httpx.HTTPError:
            pass
        stop.wait(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.chat",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    parser.add_argument("--oa", default=DISTRICT_OA, help="OA id (default: the district OA)")
    parser.add_argument("--user", default=None, help="your Zalo user id (default: a new random one)")
    parser.add_argument(
        "--registry", default=os.environ.get("ANNINH_REGISTRY") or str(ROOT / "demo" / "registry.json")
    )
    parser.add_argument(
        "--message",
        "-m",
        action="append",
        default=[],
        help="send these lines, print the replies, and exit (no prompt)",
    )
    parser.add_argument("--wait", type=float, default=6.0, help="seconds to wait for replies with -m")
    args = parser.parse_args(argv)

    registry = json.loads(Path(args.registry).read_text(encoding="utf-8"))
    user_id = args.user or ("9" + str(uuid.uuid4().int)[:15])
    citizen = Citizen(args.base, registry, args.oa, user_id)
    try:
        citizen.http.get("/_local/health").raise_for_status()
        citizen.skip_history()
    except httpx.HTTPError as exc:
        print(f"Không kết nối được tới {args.base} ({exc}). Hãy chạy `make run` trước.", file=sys.stderr)
        return 1
    if citizen.oa(args.oa) is None:
        print(f"Không có OA {args.oa} trong {args.registry}.", file=sys.stderr)
        return 2

    if args.message:
        for line in args.message:
            handle(citizen, line)
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline:
            for record in citizen.replies():
                print(describe(record, registry))
                deadline = max(deadline, time.monotonic() + 1.5)
            time.sleep(0.3)
        return 0

    oa_name = (citizen.oa(args.oa) or {}).get("name", args.oa)
    print(f'Bạn là người dân (mã Zalo {user_id}) đang nhắn tin với OA "{oa_name}".')
    print("Gõ tin nhắn rồi Enter; /help để xem các lệnh; /quit để thoát.")
    stop = threading.Event()
    threading.Thread(target=watch, args=(citizen, stop), daemon=True).start()
    try:
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                break
            if line in ("/quit", "/exit", "/q"):
                break
            if line:
                handle(citizen, line)
    except KeyboardInterrupt:
        print()
    stop.set()
    print("Tạm biệt!")
    return 0


def handle(citizen: Citizen, line: str) -> None:
    """Turn one typed line (text or command) into a webhook event."""
    parts = line.split()
    command = parts[0].lower() if line.startswith("/") else ""
    event: dict[str, Any] | None
    if command == "/help":
        print(HELP)
        return
    if command == "/oas":
        for oa in citizen.registry["oas"]:
            mark = "*" if oa["oa_id"] == citizen.oa_id else " "
            print(f" {mark} {oa['oa_id']}  {oa['name']}")
        return
    if command == "/oa":
        if len(parts) != 2 or citizen.oa(parts[1]) is None:
            print("Cú pháp: /oa <oa_id>  (xem /oas)")
            return
        citizen.oa_id = parts[1]
        print(f'Đã chuyển sang OA "{(citizen.oa(parts[1]) or {}).get("name")}".')
        return
    if command == "/user":
        if len(parts) != 2:
            print("Cú pháp: /user <mã người dùng>")
            return
        citizen.user_id = parts[1]
        citizen.seen = 0
        citizen.skip_history()
        print(f"Bạn giờ là người dùng {parts[1]}.")
        return
    if command == "/photo":
        event = citizen.media("image")
    elif command == "/video":
        event = citizen.media("video")
    elif command == "/location":
        lat, lon = (parts[1], parts[2]) if len(parts) == 3 else ("10.7905", "106.6282")
        try:
            float(lat), float(lon)
        except ValueError:
            print("Cú pháp: /location <vĩ độ> <kinh độ>, ví dụ /location 10.79 106.63")
            return
        event = citizen.location(lat, lon)
    elif command in ("/follow", "/unfollow"):
        event = citizen.follow(command == "/follow")
        if command == "/follow":
            citizen.http.post(
                "/_local/zalo/followers", json={"oa_id": citizen.oa_id, "user_id": citizen.user_id}
            )
    elif command:
        print(f"Không hiểu lệnh {command}. Gõ /help.")
        return
    else:
        event = citizen.text(line)
    try:
        reply = citizen.post(event)
    except httpx.HTTPError as exc:
        print(f"(không gửi được: {exc})")
        return
    if reply.status_code != 200:
        print(f"(webhook trả lời {reply.status_code}: {reply.text[:200]})")


if __name__ == "__main__":
    sys.exit(main())
