"""Typed event models: every sample in events/ parses into the right family with the right ids."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from anninh.zalo.events import (
    KNOWN_EVENT_NAMES,
    AnonymousMessageEvent,
    FollowEvent,
    InvalidEvent,
    OaMessageEvent,
    ReceiptEvent,
    SubmitInfoEvent,
    TagEvent,
    UnknownEvent,
    UserActionEvent,
    UserMessageEvent,
    WithdrawEvent,
    ZnsEvent,
    dedupe_key,
    parse_event,
)

EVENTS = Path(__file__).resolve().parents[2] / "events"
WARD_OA, CITIZEN = "2200000000000000001", "8400000000000000001"


def body_of(name: str) -> dict[str, Any]:
    event = json.loads((EVENTS / f"webhook_{name}.json").read_text(encoding="utf-8"))
    raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    data: dict[str, Any] = json.loads(raw)
    return data


USER_KINDS = [
    "text",
    "image",
    "gif",
    "link",
    "audio",
    "video",
    "sticker",
    "location",
    "file",
    "business_card",
]


@pytest.mark.parametrize("kind", USER_KINDS)
def test_user_messages_name_the_oa_and_citizen(kind: str) -> None:
    event = parse_event(body_of(f"user_send_{kind}"))
    assert isinstance(event, UserMessageEvent)
    assert event.kind == kind
    assert event.conversation().group_id == f"{WARD_OA}:{CITIZEN}"
    assert event.msg_id


def test_attachment_payloads_are_typed() -> None:
    location = parse_event(body_of("user_send_location"))
    assert isinstance(location, UserMessageEvent)
    coords = location.message.attachments[0].payload.coordinates
    assert coords is not None and float(coords.latitude) == pytest.approx(10.7747)
    file = parse_event(body_of("user_send_file"))
    assert isinstance(file, UserMessageEvent)
    payload = file.message.attachments[0].payload
    assert (payload.name, payload.size, payload.type) == ("don-to-giac.pdf", "20480", "pdf")


@pytest.mark.parametrize(
    "name",
    [
        "oa_send_text",
        "oa_send_image",
        "oa_send_gif",
        "oa_send_list",
        "oa_send_file",
        "oa_send_sticker",
        "oa_send_template",
    ],
)
def test_oa_echoes_swap_sender_and_recipient(name: str) -> None:
    event = parse_event(body_of(name))
    assert isinstance(event, OaMessageEvent)
    assert event.origin == "oa"
    assert event.conversation().group_id == f"{WARD_OA}:{CITIZEN}"


def test_admin_echo_is_marked_admin() -> None:
    event = parse_event(body_of("oa_send_text_admin"))
    assert isinstance(event, OaMessageEvent) and event.origin == "admin"


def test_receipts() -> None:
    seen = parse_event(body_of("user_seen_message"))
    assert isinstance(seen, ReceiptEvent) and seen.message.msg_ids == ["oa-received-0001", "oa-received-0002"]
    assert seen.msg_id is None  # so its dedupe key is a hash of the body
    zns = parse_event(body_of("user_received_message_zns"))
    assert isinstance(zns, ReceiptEvent) and zns.is_zns
    reacted = parse_event(body_of("user_reacted_message"))
    assert isinstance(reacted, ReceiptEvent) and reacted.message.react_icon == "/-heart"
    assert reacted.conversation().user_id == CITIZEN
    assert isinstance(parse_event(body_of("oa_reacted_message")), ReceiptEvent)


def test_follow_and_unfollow() -> None:
    follow = parse_event(body_of("follow"))
    assert isinstance(follow, FollowEvent)
    assert (follow.oa_id, follow.follower.id, follow.source) == (WARD_OA, CITIZEN, "oa_profile")
    assert isinstance(parse_event(body_of("unfollow")), FollowEvent)


def test_submit_info_both_shapes_normalise_to_the_same_fields() -> None:
    flat = parse_event(body_of("user_submit_info"))
    nested = parse_event(body_of("user_submit_info_full_address"))
    assert isinstance(flat, SubmitInfoEvent) and isinstance(nested, SubmitInfoEvent)
    assert flat.info.address == nested.info.address == "12 Lũy Bán Bích"
    assert flat.info.ward == nested.info.ward == "Hiệp Tân"
    assert nested.info.dob == "01/02/1990" and nested.info.city == "Hồ Chí Minh"


def test_tags_anonymous_withdraw_actions_and_zns() -> None:
    tag = parse_event(body_of("add_user_to_tag"))
    assert isinstance(tag, TagEvent) and tag.tag.user_ids == [CITIZEN]
    assert isinstance(parse_event(body_of("remove_tag")), TagEvent)
    anon = parse_event(body_of("anonymous_send_text"))
    assert isinstance(anon, AnonymousMessageEvent)
    assert anon.conversation().group_id == "anon:conv-anon-0001"
    withdraw = parse_event(body_of("user_withdraw"))
    assert isinstance(withdraw, WithdrawEvent) and (withdraw.oa_id, withdraw.user_id) == (WARD_OA, CITIZEN)
    action = parse_event(body_of("user_click_chatnow"))
    assert isinstance(action, UserActionEvent) and action.user_id == CITIZEN
    for name in ("change_template_status", "change_oa_daily_quota", "user_feedback"):
        zns = parse_event(body_of(name))
        assert isinstance(zns, ZnsEvent) and zns.oa_id == WARD_OA, name


def test_every_known_event_type_has_a_sample() -> None:
    samples = {
        body_of(p.stem.removeprefix("webhook_")).get("event_name")
        for p in EVENTS.glob("webhook_*.json")
        if p.stem not in ("webhook_url_check", "webhook_malformed_json")
    }
    missing = {n for n in KNOWN_EVENT_NAMES if n not in samples}
    # Less common names are covered by the models but have no separate sample file.
    assert missing <= {
        "widget_failed_to_sync_user_external_id",
        "change_template_quality",
        "change_template_tag",
        "change_oa_template_tags",
        "event_journey_time_out",
        "event_journey_acknowledged",
    }


def test_unknown_names_are_kept_not_rejected() -> None:
    event = parse_event(body_of("unknown_event"))
    assert isinstance(event, UnknownEvent)
    assert event.model_dump()["data"] == {"anything": True}


def test_known_name_with_wrong_shape_is_invalid() -> None:
    with pytest.raises(InvalidEvent):
        parse_event({"app_id": "1", "event_name": "user_send_text", "timestamp": "1", "sender": {"id": "u"}})


def test_numbers_are_accepted_where_strings_are_expected() -> None:
    event = parse_event(
        {"app_id": 1, "event_name": "follow", "timestamp": 1795000000000, "oa_id": 22, "follower": {"id": 84}}
    )
    assert isinstance(event, FollowEvent) and event.oa_id == "22" and event.timestamp == "1795000000000"


def test_dedupe_key_prefers_msg_id_and_event_name() -> None:
    assert dedupe_key("oa_send_text", "m1", b"x") != dedupe_key("user_received_message", "m1", b"x")
    assert dedupe_key("user_send_text", "m1", b"a") == dedupe_key("user_send_text", "m1", b"b")
    assert dedupe_key("follow", None, b"a") != dedupe_key("follow", None, b"b")
    assert dedupe_key("follow", None, b"a").startswith("sha256:")
