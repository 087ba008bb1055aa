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


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_is_an_administrative_document_in_the_layout_of_decree_30() -> None:
    """Quốc hiệu, tiêu ngữ, the issuing unit under its parent, number and symbol, place and date,
    the title and subject, a narrative assessment drawn from the figures, Nơi nhận and the signature."""
    from anninh.reports.pdf import render_pdf

    content = _content()
    text = " ".join(_pdf_text(render_pdf(content)).split())  # type: ignore[arg-type]
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "CÔNG AN QUẬN TÂN PHÚ",
        "/BC-TP",
        "Tân Phú, ngày 02 tháng 5 năm 2026",
        "BÁO CÁO",
        "Đánh giá chung",
        "Nơi nhận:",
        "Lưu: VT.",
        "TRƯỞNG CÔNG AN QUẬN TÂN PHÚ",
    ):
        assert expected in text, expected
    assert "Số:" in text
    stats = content.stats  # type: ignore[attr-defined]
    assert f"Tin báo về an ninh, trật tự qua kênh Zalo: {stats['tips']} tin" in text  # from the figures
    assert "Phương hướng, đề xuất" in text


def test_a_ward_report_is_headed_by_its_district_and_signed_by_the_requesting_commander() -> None:
    from anninh.reports.content import build_content
    from anninh.reports.html import render_html
    from anninh.reports.pdf import render_pdf

    registry = Registry.load(DEMO_REGISTRY)
    store = MemoryStatsStore()
    store.add("2026-04-03", registry.oas[1].oa_id, "p-hiep-tan", tips=3, tips_resolved=2, follows=4)
    content = build_content(
        registry,
        store,
        unit_id="p-hiep-tan",
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        today="2026-05-02",
        now=datetime(2026, 5, 2, 8, tzinfo=VN_TZ),
        requested_by="hieptan.chihuy",
    )
    text = " ".join(_pdf_text(render_pdf(content)).split())
    assert "CÔNG AN QUẬN TÂN PHÚ" in text and "CÔNG AN PHƯỜNG HIỆP TÂN" in text
    assert "Hiệp Tân, ngày 02 tháng 5 năm 2026" in text
    assert "Công an quận Tân Phú (để báo cáo);" in text
    assert "TRƯỞNG CÔNG AN PHƯỜNG HIỆP TÂN" in text
    signer = next(o for o in registry.officers if o.username == "hieptan.chihuy")
    if signer.display_name:
        assert signer.display_name in text
    html = render_html(content)
    assert "Nơi nhận:" in html and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "/BC-" in html


def test_unit_names_are_never_cut_and_legends_do_not_overlap() -> None:
    from anninh.reports.charts import bar_chart, line_chart, text_width

    long_name = "Đội CS quản lý hành chính về trật tự xã hội"
    chart = bar_chart("Theo đơn vị", [(long_name, 3), ("P. Hiệp Tân", 1)])
    labels = [s for s in chart.shapes if s.kind == "text" and s.anchor == "end"]
    assert labels[0].text == long_name
    assert labels[0].points[0][0] - text_width(long_name, 8) >= 0  # fits left of the bars
    chart = line_chart(
        "Theo ngày",
        ["2026-04-01", "2026-04-02"],
        [("Lượt quan tâm mới", [1, 2]), ("Câu hỏi thủ tục", [2, 1])],
    )
    legend = [s for s in chart.shapes if s.kind == "text" and s.points[0][1] == chart.height - 8]
    first, second = legend
    assert first.points[0][0] + text_width(first.text, 8) < second.points[0][0] - 10
