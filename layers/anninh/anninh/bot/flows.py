"""What the bot does for each command (menu branches, lookups, queue numbers, FAQ answers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from anninh import cccd, hotlines, kb, notices, queueing
from anninh.bot.messages import Reply, image, menu, phone_button, query_button, url_button
from anninh.bot.news import News
from anninh.bot.news import service as news_service
from anninh.bot.phrases import Command, is_small_talk
from anninh.hotlines import Hotlines
from anninh.hotlines import service as hotlines_service
from anninh.kb.entries import KbEntry
from anninh.kb.matcher import Matcher
from anninh.notices import Notices
from anninh.notices import service as notices_service
from anninh.registry import Registry
from anninh.stats.counters import count, faq_counter

SUGGEST_MIN_SCORE = 0.25
NOTICES_PER_PAGE = 3


def _default_registry() -> Registry | None:
    try:
        from anninh.registry.store import current_registry

        return current_registry()
    except Exception:
        return None


@dataclass
class Ports:
    """What the bot reads from: the areas' services and stores on the main table unless a test gives
    its own."""

    registry: Callable[[], Registry | None] = _default_registry
    knowledge: Callable[[], tuple[dict[str, KbEntry], Matcher]] = kb.current
    counter: Callable[..., bool] = count
    hotlines: Callable[[], Hotlines] = hotlines_service
    news: Callable[[], News] = news_service
    notices: Callable[[], Notices] = notices_service
    queue_store: Callable[[], queueing.QueueStore] = queueing.default_store
    cccd_store: Callable[[], cccd.CccdStore] = cccd.default_store


@dataclass
class Context:
    oa_id: str
    user_id: str
    unit_id: str
    event_key: str
    at: datetime
    state: dict[str, Any]
    ports: Ports
    _registry: Registry | None = field(default=None, init=False)

    @property
    def registry(self) -> Registry | None:
        if self._registry is None:
            self._registry = self.ports.registry()
        return self._registry

    def unit_name(self) -> str:
        unit = self.registry.unit(self.unit_id) if self.registry else None
        return unit.name if unit else "Công an"


@dataclass
class Outcome:
    intent: str
    handed_off: bool = False


def reorganization_notice(ctx: Context) -> str | None:
    """Once per citizen: the OA they follow now belongs to another unit (a merge or split moved it)."""
    oa = ctx.registry.oa(ctx.oa_id) if ctx.registry else None
    if oa is None or not oa.moved_on or ctx.state.get("reorg_notice") == oa.moved_on:
        return None
    ctx.state["reorg_notice"] = oa.moved_on
    year, month, day = oa.moved_on.split("-")
    return (
        f"Kính thông báo: thực hiện việc sắp xếp đơn vị hành chính, từ ngày {day}/{month}/{year} "
        f"{oa.former_unit_name} đã được sắp xếp lại; kênh Zalo này nay do {ctx.unit_name()} phục vụ "
        "anh/chị. Tin báo, câu hỏi và lịch hẹn của anh/chị vẫn được tiếp nhận, giải quyết như trước. "
        "Trân trọng cảm ơn anh/chị."
    )


def greeting(ctx: Context) -> str:
    oa = ctx.registry.oa(ctx.oa_id) if ctx.registry else None
    # An OA moved by a reorganisation still carries its old name on Zalo: greet with the unit serving now.
    name = oa.name if oa and not oa.moved_on else ctx.unit_name()
    return f"Kính chào Quý công dân! Đây là kênh hỗ trợ của {name}."


# --- procedures (knowledge base) ----------------------------------------------------------------


def format_entry(entry: KbEntry) -> str:
    blocks = [entry.title.upper()]
    if entry.summary:
        blocks.append(entry.summary)
    if entry.steps:
        blocks.append("Các bước thực hiện:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(entry.steps, 1)))
    if entry.documents:
        blocks.append("Giấy tờ cần chuẩn bị:\n" + "\n".join(f"- {d}" for d in entry.documents))
    facts = []
    if entry.where:
        facts.append(f"Nơi thực hiện: {entry.where}")
    if entry.fee:
        facts.append(f"Phí, lệ phí: {entry.fee}")
    if entry.time_limit:
        facts.append(f"Thời hạn giải quyết: {entry.time_limit}")
    if facts:
        blocks.append("\n".join(facts))
    tail = []
    if entry.legal_basis:
        tail.append("Căn cứ: " + "; ".join(entry.legal_basis) + ".")
    if entry.link:
        tail.append(f"Thực hiện trực tuyến / tra cứu: {entry.link}")
    if entry.sources:
        tail.append(
            "Nguồn: " + "; ".join(f"{s.title} ({s.url})" if s.url else s.title for s in entry.sources)
        )
    if entry.as_of:
        year, month, day = entry.as_of.split("-")
        tail.append(f"Thông tin cập nhật ngày {day}/{month}/{year}.")
    if tail:
        blocks.append("\n".join(tail))
    return "\n\n".join(blocks)


def _answer(ctx: Context, reply: Reply, entry: KbEntry) -> None:
    reply.text(format_entry(entry), [query_button("Gặp cán bộ", "gặp cán bộ"), query_button("Menu", "menu")])
    # Which entries answer citizens feeds the "top procedure questions" of the review report.
    ctx.ports.counter(f"faq:{ctx.event_key}", ctx.oa_id, ctx.unit_id, ctx.at, **{faq_counter(entry.id): 1})


def _handoff(ctx: Context, reply: Reply, suggestions: list[KbEntry]) -> Outcome:
    body = (
        f"Câu hỏi của anh/chị đã được chuyển tới cán bộ {ctx.unit_name()}. Cán bộ sẽ trả lời "
        "anh/chị trong giờ làm việc sớm nhất. Trường hợp khẩn cấp, vui lòng gọi 113."
    )
    buttons = [
        query_button(e.title.split(" (")[0][:60], f"thủ tục #{e.id}", hidden=True) for e in suggestions
    ]
    if buttons:
        body += "\nTrong lúc chờ, có thể anh/chị quan tâm:"
    reply.text(body, buttons or None)
    return Outcome("handoff", handed_off=True)


def faq(ctx: Context, command: Command, reply: Reply) -> Outcome:
    entries, matcher = ctx.ports.knowledge()
    ranked = matcher.match(command.text)
    if ranked and ranked[0][1] >= matcher.threshold and ranked[0][0] in entries:
        _answer(ctx, reply, entries[ranked[0][0]])
        return Outcome("faq")
    if is_small_talk(command.text):
        return small_talk(ctx, command, reply)
    suggestions = [entries[i] for i, s in ranked[:3] if s >= SUGGEST_MIN_SCORE and i in entries]
    return _handoff(ctx, reply, suggestions)


def small_talk(ctx: Context, command: Command, reply: Reply) -> Outcome:
    """Chatter gets a short, polite answer and the menu; no officer is asked to answer it."""
    menu(
        reply,
        f"Dạ, cảm ơn anh/chị đã nhắn tin. Đây là kênh hỗ trợ của {ctx.unit_name()}: tiếp nhận tin báo về "
        "an ninh, trật tự và hướng dẫn thủ tục hành chính.",
    )
    return Outcome("small_talk")


POPULAR = ["cccd-cap-moi", "dang-ky-thuong-tru", "dang-ky-tam-tru", "dinh-danh-dien-tu", "ho-chieu"]


def procedure(ctx: Context, command: Command, reply: Reply) -> Outcome:
    entries, _ = ctx.ports.knowledge()
    entry_id = command.args.get("entry_id")
    if entry_id:
        entry = entries.get(entry_id)
        if entry:
            _answer(ctx, reply, entry)
            return Outcome("procedure")
    lines = "\n".join(f"- {e.title}" for e in entries.values())
    buttons = [
        query_button(entries[i].title.split(" (")[0][:60], f"thủ tục #{i}", hidden=True)
        for i in POPULAR
        if i in entries
    ]
    reply.text(
        "Thủ tục hành chính do Công an tiếp nhận mà OA có thể hướng dẫn:\n"
        + lines
        + "\n\nAnh/chị chọn một thủ tục bên dưới hoặc nhắn câu hỏi, ví dụ: "
        "“làm căn cước cho con cần gì”.",
        None,
    )
    reply.text("Thủ tục được hỏi nhiều:", buttons)
    return Outcome("procedures")


def human(ctx: Context, command: Command, reply: Reply) -> Outcome:
    return _handoff(ctx, reply, [])


# --- CCCD ---------------------------------------------------------------------------------------


def cccd_help(ctx: Context, command: Command, reply: Reply) -> Outcome:
    ctx.state["flow"] = "cccd"
    reply.text(
        "Để tra cứu hồ sơ cấp thẻ căn cước, anh/chị nhắn theo cú pháp:\n"
        "CCCD <số biên nhận> <ngày sinh dd/mm/yyyy>\n"
        "Ví dụ: CCCD 079123456789 05/09/1990\n"
        "Số biên nhận in trên giấy hẹn trả thẻ."
    )
    return Outcome("cccd_help")


def cccd_lookup(ctx: Context, command: Command, reply: Reply) -> Outcome:
    ctx.state.pop("flow", None)
    store = ctx.ports.cccd_store()
    answer = cccd.CccdService(store, ctx.ports.counter).lookup(
        command.args["receipt_no"],
        command.args["dob"],
        oa_id=ctx.oa_id,
        user_id=ctx.user_id,
        unit_id=ctx.unit_id,
        event_key=ctx.event_key,
        at=ctx.at,
    )
    reply.text(answer.text)
    return Outcome("cccd_lookup")


# --- queue numbers ------------------------------------------------------------------------------


def _queue(ctx: Context) -> queueing.Queue:
    """Queue numbers on the bot's queue store, counted by its counter."""
    return queueing.Queue(ctx.ports.queue_store(), ctx.ports.counter)


def _places(ctx: Context) -> list[queueing.Place]:
    return _queue(ctx).places_for_unit(ctx.unit_id, ctx.registry)


def _day_buttons(place: queueing.Place, ctx: Context, skip: str = "") -> list[dict[str, Any]]:
    today = ctx.at.astimezone(queueing.VN_TZ).date()
    buttons = []
    closed = queueing.unit_closed_days(place, ctx.registry)
    for day in queueing.next_working_days(place, ctx.at, 4, closed):
        if day.isoformat() == skip:
            continue
        title = (
            "Hôm nay" if day == today else "Ngày mai" if (day - today).days == 1 else queueing.day_label(day)
        )
        buttons.append(query_button(title, f"lấy số #{place.place_id} {day:%d/%m/%Y}", hidden=True))
    return buttons[:3]


def _ticket_buttons(ticket: queueing.Ticket) -> list[dict[str, Any]]:
    return [
        query_button("Hủy số", f"hủy số #{ticket.ref}", hidden=True),
        query_button("Số của tôi", "số của tôi"),
    ]


def _take(ctx: Context, place: queueing.Place, day: date, reply: Reply) -> Outcome:
    result = _queue(ctx).take_number(
        place,
        day,
        oa_id=ctx.oa_id,
        user_id=ctx.user_id,
        unit_id=ctx.unit_id,
        now=ctx.at,
        closed_days=queueing.unit_closed_days(place, ctx.registry),
    )
    ctx.state.pop("flow", None)
    ctx.state.pop("queue_place", None)
    if result.outcome == "issued" and result.ticket:
        reply.text(
            queueing.ticket_text(result.ticket, place)
            + "\nVui lòng có mặt đúng ngày và mang theo giấy tờ cần thiết. Tối hôm trước, OA sẽ "
            "nhắn tin nhắc anh/chị.",
            _ticket_buttons(result.ticket),
        )
    elif result.outcome == "existing" and result.ticket:
        reply.text(
            "Anh/chị đã có số thứ tự cho ngày này:\n" + queueing.ticket_text(result.ticket, place),
            _ticket_buttons(result.ticket),
        )
    elif result.outcome == "full":
        ctx.state.update(flow="queue", queue_place=place.place_id)
        reply.text(
            f"Rất tiếc, {place.name} đã hết số thứ tự cho ngày {day:%d/%m/%Y}. "
            "Anh/chị vui lòng chọn ngày khác:",
            _day_buttons(place, ctx, skip=day.isoformat()) or None,
        )
    elif result.outcome == "busy":
        reply.text("Yêu cầu lấy số của anh/chị đang được xử lý, vui lòng chờ giây lát rồi nhắn “số của tôi”.")
    else:
        ctx.state.update(flow="queue", queue_place=place.place_id)
        closed = queueing.unit_closed_days(place, ctx.registry)
        why = queueing.check_day(place, day, ctx.at, closed) or "Ngày này không nhận lấy số."
        reply.text(why + "\nAnh/chị vui lòng chọn ngày khác:", _day_buttons(place, ctx) or None)
    return Outcome("queue")


def queue(ctx: Context, command: Command, reply: Reply) -> Outcome:
    places = _places(ctx)
    if not places:
        reply.text(
            f"{ctx.unit_name()} chưa áp dụng lấy số thứ tự trực tuyến. Anh/chị vui lòng đến trực "
            "tiếp nơi làm thủ tục hoặc nhắn “đường dây nóng” để liên hệ."
        )
        return Outcome("queue")
    wanted = command.args.get("place_id")
    place = next((p for p in places if p.place_id == wanted), None) if wanted else None
    if wanted and place is None:
        place = _queue(ctx).list_places().get(wanted)
    if place is None and len(places) == 1:
        place = places[0]
    if place is None:
        reply.text(
            "Anh/chị muốn lấy số thứ tự tại đâu?",
            [query_button(p.name[:60], f"lấy số #{p.place_id}", hidden=True) for p in places],
        )
        return Outcome("queue")
    day_text = command.args.get("day") or ""
    if day_text:
        day = queueing.parse_day(day_text, ctx.at)
        if day is not None:
            return _take(ctx, place, day, reply)
    ctx.state.update(flow="queue", queue_place=place.place_id)
    info = f"Lấy số thứ tự tại {place.name}"
    if place.service:
        info += f" ({place.service})"
    reply.text(
        info + ".\nAnh/chị chọn ngày muốn đến, hoặc nhắn ngày dạng dd/mm:", _day_buttons(place, ctx) or None
    )
    return Outcome("queue")


def queue_day(ctx: Context, command: Command, reply: Reply) -> Outcome:
    day = queueing.parse_day(command.args["day"], ctx.at)
    place = _queue(ctx).list_places().get(str(ctx.state.get("queue_place", "")))
    if day is None or place is None:
        ctx.state.pop("flow", None)
        return faq(ctx, Command("faq", command.text), reply)
    return _take(ctx, place, day, reply)


def queue_mine(ctx: Context, command: Command, reply: Reply) -> Outcome:
    tickets = _queue(ctx).my_tickets(ctx.oa_id, ctx.user_id, ctx.at)
    if not tickets:
        reply.text("Anh/chị chưa có số thứ tự nào còn hiệu lực.", [query_button("Lấy số thứ tự", "lấy số")])
        return Outcome("queue")
    places = _queue(ctx).list_places()
    for ticket in tickets[:3]:
        place = places.get(ticket.place_id)
        if place:
            reply.text(queueing.ticket_text(ticket, place), _ticket_buttons(ticket)[:1])
    return Outcome("queue")


def queue_cancel(ctx: Context, command: Command, reply: Reply) -> Outcome:
    ref = command.args.get("ref") or ""
    if not ref:
        tickets = _queue(ctx).my_tickets(ctx.oa_id, ctx.user_id, ctx.at)
        if len(tickets) != 1:
            return queue_mine(ctx, command, reply)
        ref = tickets[0].ref
    try:
        ticket = _queue(ctx).cancel(ref, oa_id=ctx.oa_id, user_id=ctx.user_id, now=ctx.at)
    except queueing.QueueError as exc:
        reply.text(str(exc))
        return Outcome("queue")
    reply.text(
        f"Đã hủy số thứ tự {ticket.number} ngày {date.fromisoformat(ticket.day):%d/%m/%Y}. "
        "Cảm ơn anh/chị đã nhường lượt cho người khác.",
        [query_button("Lấy số khác", "lấy số")],
    )
    return Outcome("queue")


# --- notices, hotlines, news --------------------------------------------------------------------


def notices_page(ctx: Context, command: Command, reply: Reply) -> Outcome:
    cursor = ctx.state.get("notice_cursor") if command.args.get("more") else None
    try:
        page, next_cursor = ctx.ports.notices().list_published(NOTICES_PER_PAGE, cursor)
    except ValueError:
        page, next_cursor = ctx.ports.notices().list_published(NOTICES_PER_PAGE, None)
    if not page:
        reply.text(
            "Hiện chưa có thông báo truy nã hoặc tìm người thân mới."
            if not cursor
            else "Anh/chị đã xem hết các thông báo."
        )
        ctx.state.pop("notice_cursor", None)
        return Outcome("notices")
    for n in page:
        heading = f"{notices.KIND_LABELS[n.kind].upper()}: {n.title}"
        if n.photo_url:
            reply.add(image(n.photo_url, heading))
        details = [heading if not n.photo_url else n.title]
        if n.name:
            details.append(f"Họ tên: {n.name}")
        if n.description:
            details.append(n.description)
        if n.contact:
            details.append(f"Liên hệ: {n.contact}")
        details.append(f"Ngày đăng: {n.published_at[8:10]}/{n.published_at[5:7]}/{n.published_at[:4]}")
        reply.text("\n".join(details), [query_button("Báo tin về thông báo này", f"báo tin #{n.notice_id}")])
    if next_cursor:
        ctx.state["notice_cursor"] = next_cursor
        reply.text("Còn thông báo khác.", [query_button("Xem thêm", "xem thêm thông báo")])
    else:
        ctx.state.pop("notice_cursor", None)
    return Outcome("notices")


def hotline(ctx: Context, command: Command, reply: Reply) -> Outcome:
    lines: list[str] = []
    buttons: list[dict[str, Any]] = []
    if ctx.registry is not None:
        name, own = ctx.ports.hotlines().for_unit(ctx.unit_id, ctx.registry)
        if own:
            lines.append(f"Đường dây nóng {name}:")
            lines.extend(f"- {h.label}: {h.phone}" for h in own)
            buttons.extend(phone_button(f"Gọi {h.label}"[:40], h.phone) for h in own[:2])
    emergency = hotlines.emergency()
    lines.append("Số khẩn cấp toàn quốc (miễn phí): " + ", ".join(f"{h.label}" for h in emergency) + ".")
    lines.append("Khi có vụ việc khẩn cấp (cướp, đánh nhau, có vũ khí...), vui lòng gọi ngay 113.")
    buttons.extend(phone_button(f"Gọi {h.label}", h.phone) for h in emergency)
    reply.text("\n".join(lines), buttons[:5])
    return Outcome("hotline")


def news_list(ctx: Context, command: Command, reply: Reply) -> Outcome:
    links = ctx.ports.news().latest(ctx.oa_id, 5)
    body = "Tin an ninh mới nhất:\n" + "\n".join(f"- {link.title}" for link in links)
    reply.text(body, [url_button(link.title[:60], link.url) for link in links])
    return Outcome("news")


def thanks(ctx: Context, command: Command, reply: Reply) -> Outcome:
    reply.text("Dạ, rất vui được hỗ trợ anh/chị. Khi cần, anh/chị nhắn “menu” để xem các tiện ích của OA.")
    return Outcome("thanks")


HANDLERS: dict[str, Callable[[Context, Command, Reply], Outcome]] = {
    "faq": faq,
    "thanks": thanks,
    "procedure": procedure,
    "human": human,
    "cccd_help": cccd_help,
    "cccd_lookup": cccd_lookup,
    "queue": queue,
    "queue_day": queue_day,
    "queue_mine": queue_mine,
    "queue_cancel": queue_cancel,
    "notices": notices_page,
    "hotline": hotline,
    "news": news_list,
}
