"""Queue numbers for CCCD work: per place and day, with a daily capacity.

Data (keys.py, "Self-service"): the day's counter `QUEUE#<place>#<day> / DAY` holds `issued` (the last
number given) and `active` (tickets not cancelled). Taking a number is one conditional update
(`active < capacity`) that returns the new `issued`, so numbers are assigned atomically and never twice;
each ticket item is then written with `attribute_not_exists`. A guard item per citizen in the same
partition keeps one active ticket per citizen per place and day.

Cancelling marks the ticket cancelled and gives its slot back to the day's capacity (`active - 1`), so
another citizen can book; the cancelled number itself is never reused (numbers keep increasing), which
keeps the counter desk's order intact. A citizen who cancels may take a new (later) number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from anninh import aws, keys, outbox
from anninh.calendars import closed_reason
from anninh.clock import VN_TZ, iso, utcnow
from anninh.registry import Registry
from anninh.stats.counters import count
from anninh.text import fold

PLACES_FILE = Path(__file__).resolve().parent / "kb" / "data" / "queue_places.json"
PLACES_GSI = "PLACES"
BOOKING_DAYS_AHEAD = 14
TODAY_CUTOFF_HOUR = 16  # after 16:00 Vietnam time a number for today is no longer useful
STALE_GUARD_SECONDS = 60
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class Place(BaseModel):
    place_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    unit_id: str
    name: str = Field(min_length=3, max_length=200)
    address: str = Field(default="", max_length=300)
    service: str = Field(default="", max_length=200)
    capacity: int = Field(ge=1, le=5000)
    working_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    hours: str = Field(default="", max_length=200)
    active: bool = True
    # Days this place is closed beyond public holidays (YYYY-MM-DD); its unit's closed days apply too.
    closed_days: list[str] = Field(default_factory=list, max_length=400)


@dataclass
class Ticket:
    place_id: str
    day: str  # YYYY-MM-DD (Vietnam)
    number: int
    oa_id: str
    user_id: str
    status: str = "active"

    @property
    def ref(self) -> str:
        """Short reference used in buttons and reminder keys: <place>:<yyyymmdd>:<number>."""
        return f"{self.place_id}:{self.day.replace('-', '')}:{self.number}"


@dataclass
class TakeResult:
    outcome: Literal["issued", "existing", "full", "closed", "busy"]
    ticket: Ticket | None = None
    place: Place | None = None
    day: str = ""


class QueueError(ValueError):
    """A request the citizen can fix (bad day, unknown place, not their ticket)."""


# --- places -------------------------------------------------------------------------------------


@cache
def _file_places() -> dict[str, Place]:
    data = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    return {p["place_id"]: Place.model_validate(p) for p in data["places"]}


def list_places(table: Any | None = None) -> dict[str, Place]:
    """Shipped places with admins' changes merged over them."""
    table = table or aws.table()
    places = dict(_file_places())
    page = table.query(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(PLACES_GSI))
    for item in page.get("Items", []):
        place = Place.model_validate(item["data"])
        places[place.place_id] = place
    return {k: v for k, v in places.items() if v.active}


def save_place(place: Place, table: Any | None = None) -> Place:
    table = table or aws.table()
    table.put_item(
        Item={
            **keys.queue_place(place.place_id),
            "GSI1PK": PLACES_GSI,
            "GSI1SK": place.place_id,
            "type": "queue_place",
            "data": place.model_dump(mode="json"),
        }
    )
    return place


def places_for_unit(unit_id: str, registry: Registry | None, table: Any | None = None) -> list[Place]:
    """The unit's own places; a unit without one is served by the nearest unit above it that has one."""
    places = list_places(table).values()
    current: str | None = unit_id
    seen: set[str] = set()
    while current and current not in seen:
        seen.add(current)
        own = [p for p in places if p.unit_id == current]
        if own:
            return sorted(own, key=lambda p: p.place_id)
        unit = registry.unit(current) if registry else None
        current = unit.parent if unit else None
    return []


# --- days ---------------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$")


def parse_day(text: str, now: datetime) -> date | None:
    """'hôm nay', 'mai' / 'ngày mai', 'mốt' / 'ngày kia', 'dd/mm' or 'dd/mm/yyyy' -> a Vietnam date."""
    today = now.astimezone(VN_TZ).date()
    t = fold(text).removeprefix("ngay ").strip()
    if t in ("hom nay", "nay", "today"):
        return today
    if t in ("mai", "ngay mai", "sang mai", "tomorrow"):
        return today + timedelta(days=1)
    if t in ("mot", "kia", "ngay kia", "ngay mot"):
        return today + timedelta(days=2)
    m = _DMY.match(t)
    if not m:
        return None
    year = int(m.group(3)) if m.group(3) else today.year
    try:
        day = date(year, int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    if not m.group(3) and day < today:
        try:
            day = date(year + 1, day.month, day.day)
        except ValueError:
            return None
    return day


def unit_closed_days(place: Place, registry: Registry | None) -> list[str]:
    """The place's own closed days and those of its unit (registry data)."""
    unit = registry.unit(place.unit_id) if registry else None
    return [*place.closed_days, *(unit.closed_days if unit else [])]


def check_day(place: Place, day: date, now: datetime, closed_days: Iterable[str] = ()) -> str | None:
    """Why the day cannot be booked (citizen-facing Vietnamese), or None when it can.

    `closed_days` are the unit's own closed days (`unit_closed_days`); public holidays always count.
    """
    local = now.astimezone(VN_TZ)
    today = local.date()
    if day < today:
        return "Ngày anh/chị chọn đã qua. Vui lòng chọn ngày khác."
    if day > today + timedelta(days=BOOKING_DAYS_AHEAD):
        return f"Chỉ nhận lấy số trước tối đa {BOOKING_DAYS_AHEAD} ngày. Vui lòng chọn ngày gần hơn."
    if day.weekday() not in place.working_days:
        return f"{place.name} không làm việc vào {WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}."
    closed = closed_reason(day, [*place.closed_days, *closed_days])
    if closed:
        return f"{day_label(day)} là {closed}, {place.name} không làm việc."
    if day == today and local.hour >= TODAY_CUTOFF_HOUR:
        return "Đã hết giờ lấy số cho hôm nay. Vui lòng chọn ngày làm việc tiếp theo."
    return None


def next_working_days(place: Place, now: datetime, n: int = 3, closed_days: Iterable[str] = ()) -> list[date]:
    out: list[date] = []
    day = now.astimezone(VN_TZ).date()
    for _ in range(BOOKING_DAYS_AHEAD + 1):
        if check_day(place, day, now, closed_days) is None:
            out.append(day)
            if len(out) == n:
                break
        day += timedelta(days=1)
    return out


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


# --- tickets ------------------------------------------------------------------------------------


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _ticket_from(item: dict[str, Any]) -> Ticket:
    return Ticket(
        place_id=item["place_id"],
        day=item["day"],
        number=int(item["number"]),
        oa_id=item["oa_id"],
        user_id=item["user_id"],
        status=item.get("status", "active"),
    )


def take_number(
    place: Place,
    day: date,
    *,
    oa_id: str,
    user_id: str,
    unit_id: str,
    now: datetime | None = None,
    table: Any | None = None,
    counter: Any = count,
    closed_days: Iterable[str] = (),
) -> TakeResult:
    """Give the citizen a number for the place and day, or tell why not. Safe under concurrency."""
    now = now or utcnow()
    table = table or aws.table()
    why = check_day(place, day, now, closed_days)
    day_s = day.isoformat()
    if why:
        return TakeResult("closed", place=place, day=day_s)
    guard = keys.queue_citizen_guard(place.place_id, day_s, oa_id, user_id)
    try:
        table.put_item(
            Item={**guard, "type": "queue_guard", "created_at": iso(now)},
            ConditionExpression="attribute_not_exists(PK)",
        )
    except ClientError as exc:
        if _code(exc) != "ConditionalCheckFailedException":
            raise
        held = table.get_item(Key=guard, ConsistentRead=True).get("Item") or {}
        if "number" in held:
            item = table.get_item(Key=keys.queue_ticket(place.place_id, day_s, int(held["number"])))["Item"]
            return TakeResult("existing", ticket=_ticket_from(item), place=place, day=day_s)
        # A guard without a number: another request of this citizen is in flight, or one crashed.
        created = str(held.get("created_at", ""))
        if created and created > iso(now - timedelta(seconds=STALE_GUARD_SECONDS)):
            return TakeResult("busy", place=place, day=day_s)
        try:
            table.put_item(
                Item={**guard, "type": "queue_guard", "created_at": iso(now)},
                ConditionExpression="created_at = :old AND attribute_not_exists(#n)",
                ExpressionAttributeNames={"#n": "number"},
                ExpressionAttributeValues={":old": created},
            )
        except ClientError as exc2:
            if _code(exc2) == "ConditionalCheckFailedException":
                return TakeResult("busy", place=place, day=day_s)
            raise
    try:
        updated = table.update_item(
            Key=keys.queue_day(place.place_id, day_s),
            UpdateExpression="SET #issued = if_not_exists(#issued, :zero) + :one, "
            "#active = if_not_exists(#active, :zero) + :one, #cap = :cap, "
            "place_id = :place, #day = :day, #type = :type",
            ConditionExpression="attribute_not_exists(#active) OR #active < :cap",
            ExpressionAttributeNames={
                "#issued": "issued",
                "#active": "active",
                "#cap": "capacity",
                "#day": "day",
                "#type": "type",
            },
            ExpressionAttributeValues={
                ":zero": 0,
                ":one": 1,
                ":cap": place.capacity,
                ":place": place.place_id,
                ":day": day_s,
                ":type": "queue_day",
            },
            ReturnValues="UPDATED_NEW",
        )
    except ClientError as exc:
        table.delete_item(Key=guard)
        if _code(exc) == "ConditionalCheckFailedException":
            return TakeResult("full", place=place, day=day_s)
        raise
    number = int(updated["Attributes"]["issued"])
    ticket = Ticket(place.place_id, day_s, number, oa_id, user_id)
    expires = int(datetime.combine(day + timedelta(days=30), datetime.min.time(), VN_TZ).timestamp())
    table.put_item(
        Item={
            **keys.queue_ticket(place.place_id, day_s, number),
            "type": "queue_ticket",
            "place_id": place.place_id,
            "day": day_s,
            "number": number,
            "oa_id": oa_id,
            "user_id": user_id,
            "unit_id": unit_id,
            "status": "active",
            "created_at": iso(now),
            "GSI1PK": keys.citizen_tickets_gsi(oa_id, user_id),
            "GSI1SK": f"{day_s}#{place.place_id}",
            "expires_at": expires,
        },
        ConditionExpression="attribute_not_exists(PK)",
    )
    table.update_item(
        Key=guard,
        UpdateExpression="SET #n = :n, expires_at = :exp",
        ExpressionAttributeNames={"#n": "number"},
        ExpressionAttributeValues={":n": number, ":exp": expires},
    )
    counter(f"queue:{ticket.ref}", oa_id, unit_id, now, queue_numbers=1)
    return TakeResult("issued", ticket=ticket, place=place, day=day_s)


def my_tickets(
    oa_id: str, user_id: str, now: datetime | None = None, table: Any | None = None
) -> list[Ticket]:
    """The citizen's active tickets from today on, soonest first."""
    now = now or utcnow()
    table = table or aws.table()
    today = now.astimezone(VN_TZ).date().isoformat()
    page = table.query(
        IndexName="GSI1",
        KeyConditionExpression=Key("GSI1PK").eq(keys.citizen_tickets_gsi(oa_id, user_id))
        & Key("GSI1SK").gte(today),
    )
    return [_ticket_from(i) for i in page.get("Items", []) if i.get("status") == "active"]


_REF = re.compile(r"^([a-z0-9][a-z0-9-]{1,40}):(\d{8}):(\d{1,5})$")


def parse_ref(ref: str) -> tuple[str, str, int] | None:
    m = _REF.match(ref.strip().lower())
    if not m:
        return None
    d = m.group(2)
    return m.group(1), f"{d[:4]}-{d[4:6]}-{d[6:]}", int(m.group(3))


def cancel(
    ref: str, *, oa_id: str, user_id: str, now: datetime | None = None, table: Any | None = None
) -> Ticket:
    """Cancel the citizen's own ticket; its slot goes back to the day's capacity."""
    now = now or utcnow()
    table = table or aws.table()
    parsed = parse_ref(ref)
    if not parsed:
        raise QueueError("Không nhận ra số thứ tự cần hủy.")
    place_id, day_s, number = parsed
    item = table.get_item(Key=keys.queue_ticket(place_id, day_s, number)).get("Item")
    if not item or item.get("oa_id") != oa_id or item.get("user_id") != user_id:
        raise QueueError("Không tìm thấy số thứ tự này của anh/chị.")
    ticket = _ticket_from(item)
    if ticket.status != "active":
        return ticket
    if day_s < now.astimezone(VN_TZ).date().isoformat():
        raise QueueError("Số thứ tự này thuộc ngày đã qua.")
    settings_table = table.name
    ddb = table.meta.client
    try:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": settings_table,
                        "Key": keys.queue_ticket(place_id, day_s, number),
                        "UpdateExpression": "SET #s = :c, cancelled_at = :at",
                        "ConditionExpression": "#s = :a",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":c": "cancelled", ":a": "active", ":at": iso(now)},
                    }
                },
                {
                    "Update": {
                        "TableName": settings_table,
                        "Key": keys.queue_day(place_id, day_s),
                        "UpdateExpression": "SET #a = #a - :one",
                        "ConditionExpression": "#a > :zero",
                        "ExpressionAttributeNames": {"#a": "active"},
                        "ExpressionAttributeValues": {":one": 1, ":zero": 0},
                    }
                },
                {
                    "Delete": {
                        "TableName": settings_table,
                        "Key": keys.queue_citizen_guard(place_id, day_s, oa_id, user_id),
                    }
                },
            ]
        )
    except ClientError as exc:
        if _code(exc) != "TransactionCanceledException":
            raise
    ticket.status = "cancelled"
    return ticket


def day_summary(place_id: str, day: str, table: Any | None = None) -> dict[str, Any]:
    """For officers: the day's counter and tickets in number order."""
    table = table or aws.table()
    items = table.query(KeyConditionExpression=Key("PK").eq(keys.queue_day(place_id, day)["PK"]))["Items"]
    head: dict[str, Any] = next((i for i in items if i["SK"] == "DAY"), {})
    tickets = [
        {"number": int(i["number"]), "status": i.get("status", "active"), "created_at": i["created_at"]}
        for i in items
        if str(i["SK"]).startswith("TICKET#")
    ]
    return {
        "place_id": place_id,
        "day": day,
        "issued": int(head.get("issued", 0)),
        "active": int(head.get("active", 0)),
        "capacity": int(head.get("capacity", 0)),
        "tickets": tickets,
    }


# --- reminders ----------------------------------------------------------------------------------


def ticket_text(ticket: Ticket, place: Place) -> str:
    day = date.fromisoformat(ticket.day)
    lines = [
        f"Số thứ tự của anh/chị: {ticket.number}",
        f"- Ngày: {day_label(day)}",
        f"- Nơi làm thủ tục: {place.name}",
    ]
    if place.address:
        lines.append(f"- Địa chỉ: {place.address}")
    if place.hours:
        lines.append(f"- Giờ làm việc: {place.hours}")
    return "\n".join(lines)


def reminder_message(ticket: Ticket, place: Place) -> outbox.OutboundMessage:
    body = (
        "Nhắc lịch: ngày mai anh/chị có hẹn làm thủ tục.\n"
        + ticket_text(ticket, place)
        + "\nVui lòng mang theo giấy tờ cần thiết. Nếu không đến được, anh/chị bấm “Hủy số” để "
        "nhường lượt cho người khác."
    )
    message = {
        "text": body[:2000],
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [{"title": "Hủy số", "type": "oa.query.hide", "payload": f"hủy số #{ticket.ref}"}]
            },
        },
    }
    return outbox.OutboundMessage(
        oa_id=ticket.oa_id,
        user_id=ticket.user_id,
        message=message,
        key=f"queue-remind:{ticket.ref}",
        origin="reminder",
        keep_for_officer=False,
    )


def closed_day_message(ticket: Ticket, place: Place, why: str) -> outbox.OutboundMessage:
    """Instead of a reminder: the office turned out to be closed on the ticket's day."""
    day = date.fromisoformat(ticket.day)
    body = (
        f"Kính gửi Quý công dân: {day_label(day)} là {why}, {place.name} không làm việc nên số thứ tự "
        f"{ticket.number} của anh/chị cho ngày này không còn hiệu lực. Mong anh/chị thông cảm; vui lòng "
        "nhắn “lấy số” để chọn ngày làm việc khác."
    )
    return outbox.OutboundMessage(
        oa_id=ticket.oa_id,
        user_id=ticket.user_id,
        message={"text": body[:2000]},
        key=f"queue-closed:{ticket.ref}",
        origin="reminder",
        keep_for_officer=False,
    )


def remind_tomorrow(
    now: datetime | None = None,
    table: Any | None = None,
    enqueue: Any = outbox.enqueue,
    registry: Registry | None = None,
) -> int:
    """Enqueue a reminder for every active ticket of tomorrow (Vietnam time); returns how many.

    When tomorrow is a public holiday or one of the unit's closed days (declared after the numbers were
    taken), the citizen is told politely that the office is closed instead of being sent there.
    """
    now = now or utcnow()
    table = table or aws.table()
    tomorrow_day = now.astimezone(VN_TZ).date() + timedelta(days=1)
    tomorrow = tomorrow_day.isoformat()
    sent = 0
    for place in list_places(table).values():
        closed = closed_reason(tomorrow_day, unit_closed_days(place, registry))
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(keys.queue_day(place.place_id, tomorrow)["PK"])
            & Key("SK").begins_with("TICKET#")
        }
        batch: list[outbox.OutboundMessage] = []
        while True:
            page = table.query(**kwargs)
            for item in page.get("Items", []):
                if item.get("status") == "active":
                    ticket = _ticket_from(item)
                    batch.append(
                        closed_day_message(ticket, place, closed)
                        if closed
                        else reminder_message(ticket, place)
                    )
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        enqueue(batch)
        sent += len(batch)
    return sent
