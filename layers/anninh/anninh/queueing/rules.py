"""Queue numbers for CCCD work, the pure part: places, bookable days, tickets, and what citizens read.

Storage (the day's counter, tickets, the per-citizen guard, admins' places) is in `queueing.store`;
taking and cancelling numbers is `queueing.service`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from anninh import outbox
from anninh.calendars import closed_reason
from anninh.clock import VN_TZ
from anninh.registry import Registry
from anninh.text import fold

PLACES_FILE = Path(__file__).resolve().parent.parent / "kb" / "data" / "queue_places.json"
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


def merged_places(overrides: Iterable[Place]) -> dict[str, Place]:
    """Shipped places with admins' changes merged over them; only active places."""
    places = dict(_file_places())
    for place in overrides:
        places[place.place_id] = place
    return {k: v for k, v in places.items() if v.active}


def places_serving(unit_id: str, places: Iterable[Place], registry: Registry | None) -> list[Place]:
    """The unit's own places; a unit without one is served by the nearest unit above it that has one."""
    places = list(places)
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


_REF = re.compile(r"^([a-z0-9][a-z0-9-]{1,40}):(\d{8}):(\d{1,5})$")


def parse_ref(ref: str) -> tuple[str, str, int] | None:
    m = _REF.match(ref.strip().lower())
    if not m:
        return None
    d = m.group(2)
    return m.group(1), f"{d[:4]}-{d[4:6]}-{d[6:]}", int(m.group(3))


def ticket_expiry(day: date) -> int:
    """When a ticket (and its guard) may be forgotten: 30 days after its day (epoch seconds)."""
    return int(datetime.combine(day + timedelta(days=30), datetime.min.time(), VN_TZ).timestamp())


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
