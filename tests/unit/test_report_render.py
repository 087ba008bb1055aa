"""The review-meeting report rendered without AWS: Vietnamese HTML with SVG charts and an A4 PDF."""

from __future__ import annotations

from datetime import date, datetime

from anninh.clock import VN_TZ
from anninh.registry import Registry
from tests.conftest import DEMO_REGISTRY
from tests.unit.test_stats_support import MemoryStatsStore


def _content() -> object:
    from anninh.reports.content import build_content

    registry = Registry.load(DEMO_REGISTRY)
    store = MemoryStatsStore()
    for d in range(1, 31):
        for i, oa in enumerate(registry.oas):
            store.add(
                f"2026-04-{d:02d}",
                oa.oa_id,
                oa.unit_id,
                follows=(d + i) % 5,
                inquiries=3,
                bot_answered=2,
                tips=1 if (d + i) % 6 == 0 else 0,
                **{"faq_dang-ky-tam-tru": 2, "faq_ho-chieu": 1},
            )
        store.add(f"2026-03-{d:02d}", registry.oas[1].oa_id, "p-hiep-tan", follows=2)
    store.add(
        "2026-04-15",
        registry.oas[1].oa_id,
        "p-hiep-tan",
        outcome_arrest=2,
        tips_valuable=2,
        samples_first_response=[900.0, 3600.0, 7200.0],
    )
    return build_content(
        registry,
        store,
        unit_id="tan-phu",
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        today="2026-05-02",
        now=datetime(2026, 5, 2, 8, tzinfo=VN_TZ),
        kb_titles={"dang-ky-tam-tru": "Đăng ký tạm trú"},
    )


def test_the_report_compares_with_the_previous_period_and_names_top_questions() -> None:
    content = _content()
    rows = {r.key: r for r in content.rows}  # type: ignore[attr-defined]
    assert rows["follows"].previous == 58 and rows["follows"].current > 58  # 02/03..31/03: 30 days
    assert rows["tips_valuable"].change == "mới" and rows["unfollows"].change == "—"
    assert content.top_questions[0] == {
        "entry_id": "dang-ky-tam-tru",
        "count": 1080,  # type: ignore[attr-defined]
        "title": "Đăng ký tạm trú",
    }
    assert content.period_text == "Từ ngày 01/04/2026 đến ngày 30/04/2026"  # type: ignore[attr-defined]


def test_html_has_the_headline_figures_and_five_charts() -> None:
    from anninh.reports.html import render_html

    content = _content()
    html = render_html(content)  # type: ignore[arg-type]
    assert html.startswith("<!doctype html>") and 'lang="vi"' in html
    assert html.count("<svg") == 5 and "Tin báo ANTT theo đơn vị" in html and "P. Hiệp Tân" in html
    assert "Bắt giữ đối tượng" in html and "Đăng ký tạm trú" in html and "1.080" in html
    assert "<script" not in html


def test_pdf_is_a4_with_an_embedded_vietnamese_font_and_stays_small() -> None:
    from anninh.reports.pdf import render_pdf

    pdf = render_pdf(_content())  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF-")
    assert b"SourceSansPro" in pdf and b"/FontFile2" in pdf  # the TrueType font travels inside
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2
    assert 10_000 < len(pdf) < 250_000


def test_charts_scale_to_round_numbers_and_escape_labels() -> None:
    from anninh.reports.charts import bar_chart, nice_max, to_svg

    assert [nice_max(v) for v in (0, 3, 7, 48, 51, 900)] == [5.0, 5.0, 10.0, 50.0, 100.0, 1000.0]
    svg = to_svg(bar_chart("Tin báo <b>", [("P. Sơn Kỳ & <x>", 3)]))
    assert "&lt;x&gt;" in svg and "<x>" not in svg and "<title>Tin báo &lt;b&gt;</title>" in svg


def test_the_pdf_draws_the_very_svg_charts_the_html_shows(monkeypatch: object) -> None:
    import re

    from anninh.reports import pdf as pdf_module
    from anninh.reports.html import render_html

    content = _content()
    html_svgs = re.findall(r"<svg.*?</svg>", render_html(content))  # type: ignore[arg-type]
    drawn: list[str] = []
    real_to_svg = pdf_module.to_svg

    def recording_to_svg(chart: object) -> str:
        svg = real_to_svg(chart)  # type: ignore[arg-type]
        drawn.append(svg)
        return svg

    monkeypatch.setattr(pdf_module, "to_svg", recording_to_svg)  # type: ignore[attr-defined]
    document = pdf_module.render_pdf(content)  # type: ignore[arg-type]
    assert len(html_svgs) == 5 and drawn == html_svgs
    # fpdf2 turned each SVG into vector drawing (paths, no embedded raster image).
    assert b"/Subtype /Image" not in document
