"""`make run` as a developer uses it: a media allowlist of their own, state that survives a restart."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from tests.stack import DISTRICT_OA, ROOT, LocalStack

pytestmark = pytest.mark.e2e
# A small but real JPEG (SOI, APP0/JFIF, ... EOI) with bytes that a careless copy would change.
PHOTO = (
    bytes.fromhex("ffd8ffe000104a46494600010100000100010000")
    + bytes(range(256)) * 40
    + b"\r\n\x00\xff"
    + bytes.fromhex("ffd9")
)


class _PhotoHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/evidence/photo.jpg":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(PHOTO)))
        self.end_headers()
        self.wfile.write(PHOTO)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def file_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PhotoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _tip_with_photo(stack: LocalStack, user: str, photo_url: str) -> None:
    now = int(time.time() * 1000)
    text = stack.text_event(user, "Báo tin: có người lạ cạy khóa xe máy trước chợ")
    photo = {
        "event_name": "user_send_image",
        "sender": {"id": user},
        "recipient": {"id": DISTRICT_OA},
        "timestamp": str(now + 1000),
        "message": {
            "msg_id": uuid.uuid4().hex,
            "attachments": [{"type": "image", "payload": {"url": photo_url, "thumbnail": photo_url}}],
        },
    }
    for event in (text, photo):
        assert stack.sign_and_post(event).status_code == 200


def _stored_media(stack: LocalStack, user: str) -> list[dict[str, Any]] | None:
    table = stack.table()
    state = table.get_item(Key={"PK": f"CONV#{DISTRICT_OA}#{stack.citizen_ref(user)}", "SK": "STATE"}).get(
        "Item"
    )
    if not state or not state.get("open_case_id"):
        return None
    items: list[dict[str, Any]] = table.query(
        KeyConditionExpression=Key("PK").eq(f"CASE#{state['open_case_id']}") & Key("SK").begins_with("MEDIA#")
    )["Items"]
    return items if items and all(i.get("status") in ("stored", "failed") for i in items) else None


def test_own_media_host_and_state_survive_a_restart_until_make_reset(
    stack_factory: Any, file_server: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    env = {"MEDIA_ALLOWED_HOSTS": file_server, "LOCAL_STATE_DIR": str(state)}
    stack = stack_factory(env=env, name="own-cdn")
    assert stack.environment["MEDIA_ALLOWED_HOSTS"] == file_server  # replaced, not the stack's own
    user = "cdn-" + uuid.uuid4().hex[:10]
    _tip_with_photo(stack, user, f"http://{file_server}/evidence/photo.jpg")
    (media,) = stack.wait_for(lambda: _stored_media(stack, user), 60, "the photo handled")
    assert media["status"] == "stored", media
    s3 = stack.aws_client("s3")
    bucket = stack.environment["MEDIA_BUCKET"]
    assert s3.get_object(Bucket=bucket, Key=media["s3_key"])["Body"].read() == PHOTO
    assert media["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    stack.wait_for(lambda: stack.sent(user), 30, "the tip acknowledged")
    token = stack.login("hieptan.canbo")
    tips = stack.api("GET", "/tips", token=token).json()
    stack.stop()  # Ctrl-C / SIGTERM: the state is written on the way out

    again = stack_factory(env=env, name="own-cdn-restarted")
    (kept,) = _stored_media(again, user) or [None]
    assert kept is not None and kept["s3_key"] == media["s3_key"]
    photo = again.aws_client("s3").get_object(Bucket=again.environment["MEDIA_BUCKET"], Key=kept["s3_key"])
    assert photo["Body"].read() == PHOTO
    token = again.login("hieptan.canbo")  # the officer accounts (and their passwords) are kept
    assert again.api("GET", "/tips", token=token).json() == tips
    # The pipeline still works after the restart (fresh tokens for the new fake Zalo).
    later = "after-" + uuid.uuid4().hex[:8]
    assert again.sign_and_post(again.text_event(later, "Xin chào")).status_code == 200
    again.wait_for(lambda: again.sent(later), 30, "a reply after the restart")
    again.stop()

    subprocess.run(["make", "reset"], cwd=ROOT, env={**os.environ, "LOCAL_STATE_DIR": str(state)}, check=True)
    assert not state.exists()
