"""What a review-meeting report (báo cáo sơ kết) says: figures of the period, of the previous period of
the same length, the charts, the top procedure questions and response times.

Both renderers (HTML, PDF) take this one model, so the two documents say the same thing — and the
numbers are those of the stats API for the same unit and period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from anninh.cases.model import OUTCOME_LABELS_VI
from anninh.clock import VN_TZ
from anninh.registry import Registry
from anninh.reports.charts import PALETTE, Chart, bar_chart, line_chart
from anninh.reports.document import DocumentParts, document_parts
from anninh.stats.figures import LABELS_VI, METRIC_LABELS_VI, human_duration, vn_number
from anninh.stats.queries import period_stats
from anninh.stats.store import StatsStore

# The headline rows of the report, in the order a commander reads them.
HEADLINE_ROWS = (
    "followers",
    "follows",
    "unfollows",
    "messages_in",
    "inquiries",
    "bot_answered",
    "handed_off",
    "tips",
    "tips_urgent",
    "tips_valuable",
    "tips_resolved",
    "broadcasts",
    "broadcast_sent",
    "cccd_lookups",
    "queue_numbers",
)


KIND_ORDER = {"district": 0, "ward": 1, "commune": 1, "team": 2}


@dataclass
class HeadlineRow:
    key: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> str:
        if self.previous == 0:
            return "—" if self.current == 0 else "mới"
        pct = (self.current - self.previous) * 100 / self.previous
        sign = "+" if pct > 0 else ""
        return f"{sign}{pct:.1f}%".replace(".", ",")


@dataclass
class ReportContent:
    unit_id: str
    unit_name: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    generated_at: datetime
    stats: dict[str, Any]
    previous: dict[str, Any]
    rows: list[HeadlineRow]
    top_questions: list[dict[str, Any]]
    response_times: list[dict[str, str]]
    charts: list[Chart] = field(default_factory=list)
    document: DocumentParts | None = None  # heading, number, place/date, Nơi nhận, signature

    @property
    def title(self) -> str:
        return "BÁO CÁO SƠ KẾT"

    @property
    def period_text(self) -> str:
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    @property
    def previous_text(self) -> str:
        return f"{self.previous_start:%d/%m/%Y} – {self.previous_end:%d/%m/%Y}"

    @property
    def generated_text(self) -> str:
        local = self.generated_at.astimezone(VN_TZ)
        return f"Số liệu tổng hợp tự động từ hệ thống An Ninh OA lúc {local:%H:%M} ngày {local:%d/%m/%Y}."

    @property
    def no_questions_text(self) -> str:
        if self.stats["inquiries"]:
            return (
                f"Trong kỳ có {vn_number(self.stats['inquiries'])} câu hỏi thủ tục; hệ thống chưa có số liệu "
                "thống kê theo từng thủ tục cho kỳ này."
            )
        return "Chưa có câu hỏi thủ tục nào trong kỳ."

    def summary_sentences(self) -> list[str]:
        s = self.stats
        rate = (
            f"{s['bot_answer_rate'] * 100:.1f}%".replace(".", ",")
            if s["bot_answer_rate"] is not None
            else "—"
        )
        return [
            f"Trong kỳ, các tài khoản Zalo OA của đơn vị có thêm {vn_number(s['follows'])} "
            f"lượt quan tâm mới; tổng số người quan tâm cuối kỳ là {vn_number(s['followers'])}.",
            f"Tiếp nhận {vn_number(s['inquiries'])} câu hỏi về thủ tục hành chính, trong đó "
            f"{vn_number(s['bot_answered'])} câu được trả lời tự động (tỷ lệ {rate}).",
            f"Tiếp nhận {vn_number(s['tips'])} tin báo về an ninh trật tự, trong đó "
            f"{vn_number(s['tips_valuable'])} tin báo có giá trị và "
            f"{vn_number(s['tips_urgent'])} tin báo khẩn.",
            f"Gửi {vn_number(s['broadcast_sent'])} thông báo tới người quan tâm"
            + (f" qua {vn_number(s['broadcasts'])} đợt gửi." if s["broadcasts"] else "."),
        ]


def previous_period(start: date, end: date) -> tuple[date, date]:
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def build_content(
    registry: Registry,
    store: StatsStore,
    *,
    unit_id: str,
    start: date,
    end: date,
    today: str,
    now: datetime,
    kb_titles: dict[str, str] | None = None,
    requested_by: str | None = None,
) -> ReportContent:
    unit = registry.unit(unit_id)
    if unit is None:
        raise LookupError(unit_id)
    stats = period_stats(registry, store, unit_id, start, end, today=today)
    prev_start, prev_end = previous_period(start, end)
    previous = period_stats(registry, store, unit_id, prev_start, prev_end, today=today)
    rows = [HeadlineRow(k, LABELS_VI[k], int(stats[k]), int(previous[k])) for k in HEADLINE_ROWS]
    titles = kb_titles or {}
    top = [{**q, "title": titles.get(q["entry_id"], q["entry_id"])} for q in stats["top_questions"]]
    times = []
    for metric, label in METRIC_LABELS_VI.items():
        now_t, prev_t = stats["response_times"][metric], previous["response_times"][metric]
        times.append(
            {
                "label": label,
                "count": vn_number(now_t["count"]),
                "median": human_duration(now_t["median_seconds"]),
                "p90": human_duration(now_t["p90_seconds"]),
                "previous_median": human_duration(prev_t["median_seconds"]),
            }
        )
    content = ReportContent(
        unit_id=unit_id,
        unit_name=unit.name,
        start=start,
        end=end,
        previous_start=prev_start,
        previous_end=prev_end,
        generated_at=now,
        stats=stats,
        previous=previous,
        rows=rows,
        top_questions=top,
        response_times=times,
    )
    content.charts = charts_for(stats)
    content.document = document_parts(
        registry,
        unit_id,
        stats,
        previous,
        period_text=content.period_text,
        generated_at=now,
        requested_by=requested_by,
    )
    return content


def charts_for(stats: dict[str, Any]) -> list[Chart]:
    series = stats["series"]
    days = [d["day"] for d in series]
    charts = [
        line_chart(
            "Lượt quan tâm mới và câu hỏi thủ tục theo ngày",
            days,
            [
                ("Lượt quan tâm mới", [d["follows"] for d in series]),
                ("Câu hỏi thủ tục", [d["inquiries"] for d in series]),
            ],
        ),
        line_chart(
            "Tin báo ANTT theo ngày",
            days,
            [
                ("Tin báo", [d["tips"] for d in series]),
                ("Tin báo có giá trị", [d["tips_valuable"] for d in series]),
            ],
        ),
    ]
    # The API's per-unit rows (the unit's own row first), so the PDF and the console show the same.
    units = sorted(stats["units"], key=lambda u: (not u.get("own"), KIND_ORDER.get(u["kind"], 9), u["name"]))
    if units:
        short = [(_short_name(u["name"]), u) for u in units]
        charts.append(
            bar_chart(
                "Tin báo ANTT theo đơn vị",
                [(name, u.get("tips_handled", u["tips"])) for name, u in short],
                PALETTE[3],
            )
        )
        charts.append(
            bar_chart(
                "Lượt quan tâm mới theo đơn vị", [(name, u["follows"]) for name, u in short], PALETTE[0]
            )
        )
    outcomes = stats["outcomes"]
    if outcomes:
        charts.append(
            bar_chart(
                "Kết quả xử lý tin báo",
                [(OUTCOME_LABELS_VI.get(k, k), v) for k, v in outcomes.items()],
                PALETTE[2],
            )
        )
    return charts


def _short_name(name: str) -> str:
    for prefix, short in (("Công an phường ", "P. "), ("Công an xã ", "X. "), ("Công an quận ", "Q. ")):
        if name.startswith(prefix):
            return short + name[len(prefix) :]
    return name.replace("Đội Cảnh sát ", "Đội CS ")  # never cut: the chart makes room for the name
