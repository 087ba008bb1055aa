"""Build the sample events in events/ and sign them with the demo registry's app secrets.

    python -m scripts.make_events            # (re)write events/*.json

Webhook samples are API Gateway HTTP API (v2) events (`sam local invoke WebhookFunction -e ...`,
`make invoke`), one per Zalo event type in ../shared/zalo-platform.md, plus the edge cases (URL check,
bad signature, base64 body, unknown event). SQS samples feed the inbound and media functions.
Re-run after changing the demo registry's secrets so the signatures stay valid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from anninh.intake.signature import signature_header
from anninh.registry import Registry
from anninh.zalo.events import dedupe_key

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
REGISTRY = ROOT / "demo" / "registry.json"

DISTRICT_OA = "2200000000000000000"  # Công an quận Tân Phú
WARD_OA = "2200000000000000001"  # Công an phường Hiệp Tân
CITIZEN = "8400000000000000001"
TIPSTER = "8400000000000000042"
T0 = 1795000000000  # 2026-11-18 (ms)
CDN = "https://photo-stal-1.zdn.vn/demo"


def _user(
    name: str, kind: str, message: dict[str, Any], *, ts: int = T0, oa: str = WARD_OA, user: str = CITIZEN
) -> dict[str, Any]:
    return {
        "app_id": "",
        "user_id_by_app": f"app-{user}",
        "event_name": name,
        "timestamp": str(ts),
        "sender": {"id": user},
        "recipient": {"id": oa},
        "message": {
            "msg_id": kind
            + "-"
            + hashlib.md5(f"{name}{ts}{user}".encode(), usedforsecurity=False).hexdigest(),
            **message,
        },
    }


def _oa(name: str, message: dict[str, Any], admin: str | None = None, ts: int = T0 + 5000) -> dict[str, Any]:
    sender: dict[str, Any] = {"id": WARD_OA}
    if admin:
        sender["admin_id"] = admin
    return {
        "app_id": "",
        "event_name": name,
        "timestamp": str(ts),
        "sender": sender,
        "recipient": {"id": CITIZEN},
        "message": {
            "msg_id": f"oa-{hashlib.md5(f'{name}{ts}{admin}'.encode(), usedforsecurity=False).hexdigest()}",
            **message,
        },
    }


def _img(url: str) -> dict[str, Any]:
    return {"type": "image", "payload": {"thumbnail": url + "?thumb=1", "url": url}}


def bodies() -> dict[str, dict[str, Any]]:
    """Event name (file stem) -> event body (app_id filled in when signing)."""
    loc = {"type": "location", "payload": {"coordinates": {"latitude": "10.7747", "longitude": "106.6293"}}}
    out: dict[str, dict[str, Any]] = {
        "user_send_text": _user("user_send_text", "t", {"text": "Cho tôi hỏi thủ tục đăng ký tạm trú"}),
        "user_send_image": _user("user_send_image", "i", {"text": "", "attachments": [_img(f"{CDN}/a.jpg")]}),
        "user_send_gif": _user(
            "user_send_gif",
            "g",
            {
                "attachments": [
                    {"type": "gif", "payload": {"thumbnail": f"{CDN}/g.gif?t", "url": f"{CDN}/g.gif"}}
                ]
            },
        ),
        "user_send_link": _user(
            "user_send_link",
            "l",
            {
                "text": "https://example.vn/tin",
                "attachments": [
                    {
                        "type": "link",
                        "payload": {
                            "thumbnail": "",
                            "description": "Bài báo",
                            "url": "https://example.vn/tin",
                        },
                    }
                ],
            },
        ),
        "user_send_audio": _user(
            "user_send_audio",
            "a",
            {"attachments": [{"type": "audio", "payload": {"url": f"{CDN}/voice.amr"}}]},
        ),
        "user_send_video": _user(
            "user_send_video",
            "v",
            {
                "attachments": [
                    {
                        "type": "video",
                        "payload": {
                            "url": f"{CDN}/clip.mp4",
                            "thumbnail": f"{CDN}/clip.jpg",
                            "description": "video",
                        },
                    }
                ]
            },
        ),
        "user_send_sticker": _user(
            "user_send_sticker",
            "s",
            {"attachments": [{"type": "sticker", "payload": {"url": f"{CDN}/sticker.png", "id": "12345"}}]},
        ),
        "user_send_location": _user("user_send_location", "loc", {"attachments": [loc]}),
        "user_send_file": _user(
            "user_send_file",
            "f",
            {
                "attachments": [
                    {
                        "type": "file",
                        "payload": {
                            "size": "20480",
                            "name": "don-to-giac.pdf",
                            "checksum": "0cc175b9c0f1b6a831c399e269772661",
                            "type": "pdf",
                            "url": f"{CDN}/don-to-giac.pdf",
                        },
                    }
                ]
            },
        ),
        "user_send_business_card": _user(
            "user_send_business_card",
            "bc",
            {
                "attachments": [
                    {
                        "type": "business_card",
                        "payload": {
                            "thumbnail": f"{CDN}/card.jpg",
                            "description": '{"name":"Nguyễn Văn A","phone":"0900000000"}',
                        },
                    }
                ]
            },
        ),
        "oa_send_text": _oa("oa_send_text", {"text": "Cảm ơn anh/chị đã liên hệ."}),
        "oa_send_text_admin": _oa(
            "oa_send_text", {"text": "Cán bộ trực ban xin trả lời anh/chị."}, admin="admin-7001"
        ),
        "oa_send_image": _oa("oa_send_image", {"attachments": [_img(f"{CDN}/oa.jpg")]}),
        "oa_send_gif": _oa(
            "oa_send_gif", {"attachments": [{"type": "gif", "payload": {"url": f"{CDN}/o.gif"}}]}
        ),
        "oa_send_list": _oa(
            "oa_send_list", {"attachments": [{"type": "template", "payload": {"elements": []}}]}
        ),
        "oa_send_file": _oa(
            "oa_send_file", {"attachments": [{"type": "file", "payload": {"url": f"{CDN}/o.pdf"}}]}
        ),
        "oa_send_sticker": _oa(
            "oa_send_sticker",
            {"attachments": [{"type": "sticker", "payload": {"id": "1", "url": f"{CDN}/s.png"}}]},
        ),
        "oa_send_template": _oa(
            "oa_send_template",
            {"attachments": [{"type": "template", "payload": {"template_type": "request_user_info"}}]},
        ),
        "user_received_message": {
            "app_id": "",
            "event_name": "user_received_message",
            "timestamp": str(T0 + 6000),
            "sender": {"id": WARD_OA},
            "recipient": {"id": CITIZEN},
            "message": {"msg_id": "oa-received-0001"},
        },
        "user_received_message_zns": {
            "app_id": "",
            "event_name": "user_received_message",
            "timestamp": str(T0 + 6500),
            "sender": {"id": WARD_OA},
            "recipient": {"id": "84900000000"},
            "message": {"msg_id": "zns-0001", "delivery_time": str(T0 + 6400), "tracking_id": "track-0001"},
        },
        "user_seen_message": {
            "app_id": "",
            "event_name": "user_seen_message",
            "timestamp": str(T0 + 7000),
            "sender": {"id": WARD_OA},
            "recipient": {"id": CITIZEN},
            "message": {"msg_ids": ["oa-received-0001", "oa-received-0002"]},
        },
        "user_reacted_message": {
            "app_id": "",
            "event_name": "user_reacted_message",
            "timestamp": str(T0 + 8000),
            "sender": {"id": CITIZEN},
            "recipient": {"id": WARD_OA},
            "message": {"msg_id": "oa-received-0001", "react_icon": "/-heart"},
        },
        "oa_reacted_message": {
            "app_id": "",
            "event_name": "oa_reacted_message",
            "timestamp": str(T0 + 8500),
            "sender": {"id": WARD_OA},
            "recipient": {"id": CITIZEN},
            "message": {"msg_id": "t-user-0001", "react_icon": "/-strong"},
        },
        "follow": {
            "app_id": "",
            "event_name": "follow",
            "timestamp": str(T0 - 60000),
            "oa_id": WARD_OA,
            "user_id_by_app": f"app-{CITIZEN}",
            "follower": {"id": CITIZEN},
            "source": "oa_profile",
        },
        "unfollow": {
            "app_id": "",
            "event_name": "unfollow",
            "timestamp": str(T0 + 90000),
            "oa_id": WARD_OA,
            "user_id_by_app": f"app-{CITIZEN}",
            "follower": {"id": CITIZEN},
            "source": "oa_profile",
        },
        "user_submit_info": {
            "app_id": "",
            "event_name": "user_submit_info",
            "timestamp": str(T0 + 1000),
            "sender": {"id": CITIZEN},
            "recipient": {"id": WARD_OA},
            "info": {
                "name": "Nguyễn Văn An",
                "phone": "0901234567",
                "address": "12 Lũy Bán Bích",
                "city": "Hồ Chí Minh",
                "district": "Tân Phú",
                "ward": "Hiệp Tân",
            },
        },
        "user_submit_info_full_address": {
            "app_id": "",
            "event_name": "user_submit_info",
            "timestamp": str(T0 + 1500),
            "sender": {"id": CITIZEN},
            "recipient": {"id": WARD_OA},
            "info": {
                "name": "Nguyễn Văn An",
                "phone": "0901234567",
                "user_dob": "01/02/1990",
                "gender": "male",
                "full_address": {
                    "user_city": "Hồ Chí Minh",
                    "user_ward": "Hiệp Tân",
                    "user_address": "12 Lũy Bán Bích",
                },
            },
        },
        "add_user_to_tag": {
            "app_id": "",
            "event_name": "add_user_to_tag",
            "timestamp": str(T0 + 2000),
            "oa_id": WARD_OA,
            "tag": {"name": "to-dan-pho-3", "user_ids": [CITIZEN]},
        },
        "remove_user_from_tag": {
            "app_id": "",
            "event_name": "remove_user_from_tag",
            "timestamp": str(T0 + 3000),
            "oa_id": WARD_OA,
            "tag": {"name": "to-dan-pho-3", "user_ids": [CITIZEN]},
        },
        "remove_tag": {
            "app_id": "",
            "event_name": "remove_tag",
            "timestamp": str(T0 + 4000),
            "oa_id": WARD_OA,
            "tag": {"name": "to-dan-pho-3"},
        },
        "update_user_info": {
            "app_id": "",
            "event_name": "update_user_info",
            "timestamp": str(T0 + 4100),
            "sender": {"id": CITIZEN},
            "recipient": {"id": WARD_OA},
        },
        "user_click_chatnow": {
            "app_id": "",
            "event_name": "user_click_chatnow",
            "timestamp": str(T0 + 4200),
            "oa_id": WARD_OA,
            "user_id": CITIZEN,
        },
        "permission_revoked": {
            "app_id": "",
            "event_name": "permission_revoked",
            "timestamp": str(T0 + 4300),
            "oa_id": WARD_OA,
        },
        "user_withdraw": {
            "app_id": "",
            "event_name": "user_withdraw",
            "timestamp": str(T0 + 95000),
            "sender": {"id": CITIZEN},
            "recipient": {"id": WARD_OA},
        },
        "widget_interaction_accepted": {
            "app_id": "",
            "event_name": "widget_interaction_accepted",
            "timestamp": str(T0 + 4400),
            "oa_id": WARD_OA,
            "user_id": CITIZEN,
        },
        "shop_has_order": {
            "app_id": "",
            "event_name": "shop_has_order",
            "timestamp": str(T0 + 4500),
            "oa_id": WARD_OA,
            "order": {"id": "o-1"},
        },
        "anonymous_send_text": {
            "app_id": "",
            "event_name": "anonymous_send_text",
            "timestamp": str(T0 + 4600),
            "sender": {"id": "anon-sender-1"},
            "recipient": {"id": WARD_OA},
            "conversation_id": "conv-anon-0001",
            "message": {"msg_id": "anon-t-0001", "text": "Cho hỏi giờ làm việc"},
        },
        "anonymous_send_image": {
            "app_id": "",
            "event_name": "anonymous_send_image",
            "timestamp": str(T0 + 4700),
            "sender": {"id": "anon-sender-1"},
            "recipient": {"id": WARD_OA},
            "conversation_id": "conv-anon-0001",
            "message": {"msg_id": "anon-i-0001", "attachments": [_img(f"{CDN}/anon.jpg")]},
        },
        "anonymous_send_file": {
            "app_id": "",
            "event_name": "anonymous_send_file",
            "timestamp": str(T0 + 4800),
            "sender": {"id": "anon-sender-1"},
            "recipient": {"id": WARD_OA},
            "conversation_id": "conv-anon-0001",
            "message": {
                "msg_id": "anon-f-0001",
                "attachments": [{"type": "file", "payload": {"url": f"{CDN}/anon.pdf", "name": "a.pdf"}}],
            },
        },
        "anonymous_send_sticker": {
            "app_id": "",
            "event_name": "anonymous_send_sticker",
            "timestamp": str(T0 + 4900),
            "sender": {"id": "anon-sender-1"},
            "recipient": {"id": WARD_OA},
            "conversation_id": "conv-anon-0001",
            "message": {
                "msg_id": "anon-s-0001",
                "attachments": [{"type": "sticker", "payload": {"id": "9", "url": f"{CDN}/s9.png"}}],
            },
        },
        "change_template_status": {
            "app_id": "",
            "event_name": "change_template_status",
            "timestamp": str(T0 + 5000),
            "oa_id": WARD_OA,
            "template_id": "123456",
            "status": {"new_status": "ENABLE"},
        },
        "change_oa_daily_quota": {
            "app_id": "",
            "event_name": "change_oa_daily_quota",
            "timestamp": str(T0 + 5100),
            "oa_id": WARD_OA,
            "quota": {"daily_quota": "5000", "remaining_quota": "4990"},
        },
        "user_feedback": {
            "app_id": "",
            "event_name": "user_feedback",
            "timestamp": str(T0 + 5200),
            "oa_id": WARD_OA,
            "sender": {"id": CITIZEN},
            "message": {
                "note": "Phục vụ tốt",
                "rate": 5,
                "msg_id": "fb-0001",
                "tracking_id": "track-0002",
                "feedbacks": ["Nhanh chóng"],
            },
        },
        "unknown_event": {
            "app_id": "",
            "event_name": "some_future_event",
            "timestamp": str(T0 + 5300),
            "oa_id": WARD_OA,
            "data": {"anything": True},
        },
        # A tip on the district OA: text, then a photo, then a location in Hiệp Tân, within a minute.
        "tip_text": _user(
            "user_send_text",
            "tip1",
            {"text": "Báo tin: có nhóm thanh niên tụ tập đua xe trước chợ"},
            ts=T0 + 100000,
            oa=DISTRICT_OA,
            user=TIPSTER,
        ),
        "tip_image": _user(
            "user_send_image",
            "tip2",
            {"attachments": [_img(f"{CDN}/tip.jpg")]},
            ts=T0 + 130000,
            oa=DISTRICT_OA,
            user=TIPSTER,
        ),
        "tip_location": _user(
            "user_send_location", "tip3", {"attachments": [loc]}, ts=T0 + 160000, oa=DISTRICT_OA, user=TIPSTER
        ),
        "tip_urgent": _user(
            "user_send_text",
            "tip4",
            {"text": "tố giác: có người cầm dao đánh nhau ở hẻm 12 phường Phú Thạnh"},
            ts=T0 + 200000,
            oa=DISTRICT_OA,
            user="8400000000000000043",
        ),
        "tip_lookup": _user(
            "user_send_text",
            "tip5",
            {"text": "tra cứu TP-2611-0001"},
            ts=T0 + 220000,
            oa=DISTRICT_OA,
            user=TIPSTER,
        ),
    }
    return out


def compact(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def api_event(
    raw: bytes, signature: str | None, base64_body: bool = False, request_id: str | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API v2 event for POST /webhook/zalo."""
    headers = {
        "content-type": "application/json",
        "user-agent": "ZaloWebhook/1.0",
        "host": "api.example.vn",
        "content-length": str(len(raw)),
    }
    if signature is not None:
        headers["x-zevent-signature"] = signature
    rid = request_id or str(uuid.uuid5(uuid.NAMESPACE_URL, raw.decode("utf-8", "replace")))
    return {
        "version": "2.0",
        "routeKey": "POST /webhook/zalo",
        "rawPath": "/webhook/zalo",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "api.example.vn",
            "domainPrefix": "api",
            "requestId": rid,
            "routeKey": "POST /webhook/zalo",
            "stage": "$default",
            "time": "18/Nov/2026:05:46:40 +0000",
            "timeEpoch": T0,
            "http": {
                "method": "POST",
                "path": "/webhook/zalo",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "ZaloWebhook/1.0",
            },
        },
        "body": base64.b64encode(raw).decode() if base64_body else raw.decode("utf-8"),
        "isBase64Encoded": base64_body,
    }


def signed(body: dict[str, Any], app_id: str, secret: str) -> tuple[bytes, str]:
    body = {**body, "app_id": app_id}
    raw = compact(body)
    return raw, signature_header(app_id, raw, body["timestamp"], secret)


def sqs_inbound_event(raw: bytes, event_name: str) -> dict[str, Any]:
    key = dedupe_key(event_name, (json.loads(raw).get("message") or {}).get("msg_id"), raw)
    envelope = {
        "dedupe_key": key,
        "event_name": event_name,
        "kind": "event",
        "received_at": "2026-11-18T05:48:20.000Z",
        "body": raw.decode("utf-8"),
    }
    data = json.loads(raw)
    group = f"{data['recipient']['id']}:{data['sender']['id']}"
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid5(uuid.NAMESPACE_OID, key)),
                "receiptHandle": "local-receipt-handle",
                "body": json.dumps(envelope, ensure_ascii=False),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(T0),
                    "SenderId": "local",
                    "ApproximateFirstReceiveTimestamp": str(T0),
                    "SequenceNumber": "1",
                    "MessageGroupId": group,
                    "MessageDeduplicationId": hashlib.sha256(key.encode()).hexdigest(),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(json.dumps(envelope).encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:anninh-local-InboundQueue.fifo",
                "awsRegion": "ap-southeast-1",
            }
        ]
    }


def sqs_media_event() -> dict[str, Any]:
    job = {
        "case_id": "0" * 32,
        "sk": "MEDIA#1795000130000-abcdef#0",
        "media_id": "1795000130000-abcdef-0",
        "kind": "image",
        "url": f"{CDN}/tip.jpg",
    }
    return {
        "Records": [
            {
                "messageId": "5b7f3c1e-0000-4000-8000-000000000001",
                "receiptHandle": "local-receipt-handle",
                "body": json.dumps(job),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(T0),
                    "SenderId": "local",
                    "ApproximateFirstReceiveTimestamp": str(T0),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(json.dumps(job).encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:anninh-local-MediaQueue",
                "awsRegion": "ap-southeast-1",
            }
        ]
    }


def build_all() -> dict[str, dict[str, Any]]:
    app = Registry.load(REGISTRY).apps[0]
    files: dict[str, dict[str, Any]] = {}
    for stem, body in bodies().items():
        raw, sig = signed(body, app.app_id, app.oa_secret_key)
        files[f"webhook_{stem}.json"] = api_event(raw, sig)
    raw, sig = signed(bodies()["user_send_text"], app.app_id, app.oa_secret_key)
    files["webhook_base64_body.json"] = api_event(raw, sig, base64_body=True)
    files["webhook_signature_uppercase_no_prefix.json"] = api_event(raw, sig.removeprefix("mac=").upper())
    files["webhook_url_check.json"] = api_event(b"{}", None)
    files["webhook_unsigned.json"] = api_event(raw, None)
    files["webhook_bad_signature.json"] = api_event(raw, "mac=" + "0" * 64)
    files["webhook_unknown_app.json"] = api_event(*signed(bodies()["user_send_text"] | {}, "9999", "nope"))
    files["webhook_malformed_json.json"] = api_event(b'{"app_id": "1100000000000000001", ', sig)
    broken, broken_sig = signed({"event_name": "follow", "timestamp": str(T0)}, app.app_id, app.oa_secret_key)
    files["webhook_follow_missing_fields.json"] = api_event(broken, broken_sig)
    files["sqs_inbound_user_send_text.json"] = sqs_inbound_event(raw, "user_send_text")
    tip_raw, _ = signed(bodies()["tip_text"], app.app_id, app.oa_secret_key)
    files["sqs_inbound_tip_text.json"] = sqs_inbound_event(tip_raw, "user_send_text")
    files["sqs_media_image.json"] = sqs_media_event()
    return files


def main() -> None:
    EVENTS.mkdir(exist_ok=True)
    files = build_all()
    for name, content in files.items():
        (EVENTS / name).write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(files)} events to {EVENTS}")


if __name__ == "__main__":
    main()
