"""The report as an A4 PDF, made inside Lambda with fpdf2 and a bundled Unicode font (no browser).

The font is Source Sans Pro (SIL Open Font License) from the `font-source-sans-pro` package, which
covers every Vietnamese letter; fpdf2 embeds only the glyphs used, so a report stays small.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path
from typing import Any

from anninh.reports.charts import FONT_FAMILY, to_svg
from anninh.reports.content import ReportContent
from anninh.reports.document import DocumentParts
from anninh.stats.figures import vn_number

FONT = FONT_FAMILY  # the name the charts' SVG asks for, so fpdf2 draws their text in this font
MARGIN = 18.0
PAGE_W = 210.0
CONTENT_W = PAGE_W - 2 * MARGIN


@cache
def font_files() -> dict[str, str]:
    import font_source_sans_pro

    directory = Path(font_source_sans_pro.font_directory)
    return {
        "": str(directory / "SourceSansPro-Regular.ttf"),
        "B": str(directory / "SourceSansPro-Bold.ttf"),
        "I": str(directory / "SourceSansPro-It.ttf"),
        "BI": str(directory / "SourceSansPro-BoldIt.ttf"),
    }


def render_pdf(content: ReportContent) -> bytes:
    from fpdf import FPDF

    # The charts' <title> is for screen readers in the HTML; fpdf2 skips it and would log each time.
    logging.getLogger("fpdf.svg").setLevel(logging.ERROR)

    c = content
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    for style, path in font_files().items():
        pdf.add_font(FONT, style, path)
    pdf.set_title(f"{c.title} – {c.unit_name} – {c.period_text}")
    pdf.set_author(c.unit_name)
    pdf.set_creator("An Ninh OA")

    def footer() -> None:
        pdf.set_y(-12)
        pdf.set_font(FONT, "I", 8)
        pdf.set_text_color(96, 125, 139)
        pdf.cell(0, 5, f"{c.unit_name} – {c.title} – trang {pdf.page_no()}", align="C")

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.add_page()

    pdf.set_text_color(38, 50, 56)
    if c.document is not None:
        _nd30_heading(pdf, c.document)
    else:
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 6, c.unit_name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font(FONT, "B", 20)
        pdf.cell(0, 9, c.title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(
            0,
            5.5,
            "Kết quả hoạt động các tài khoản Zalo OA (kênh tương tác, tuyên truyền và cải cách hành chính)",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.cell(0, 6, c.period_text, align="C", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, "I. Kết quả chính")
    pdf.set_font(FONT, "", 10.5)
    for sentence in c.summary_sentences():
        pdf.multi_cell(0, 5.2, f"–  {sentence}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (78.0, 28.0, 40.0, 28.0)
    _table(
        pdf,
        widths,
        ["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Tăng/giảm"],
        [[r.label, vn_number(r.current), vn_number(r.previous), r.change] for r in c.rows],
    )
    pdf.set_font(FONT, "I", 9)
    pdf.cell(0, 5, f"Kỳ trước: {c.previous_text}.", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, "II. Biểu đồ")
    for chart in c.charts:
        scale = CONTENT_W / chart.width
        needed = chart.height * scale + 9
        if pdf.get_y() + needed > pdf.h - MARGIN:
            pdf.add_page()
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(38, 50, 56)
        pdf.cell(0, 6, chart.title, new_x="LMARGIN", new_y="NEXT")
        top = pdf.get_y()
        pdf.image(io.BytesIO(to_svg(chart).encode("utf-8")), x=MARGIN, y=top, w=CONTENT_W)
        pdf.set_text_color(38, 50, 56)
        pdf.set_y(top + chart.height * scale + 3)

    _heading(pdf, "III. Thủ tục hành chính được hỏi nhiều nhất")
    if c.top_questions:
        _table(
            pdf,
            (10.0, 130.0, 34.0),
            ["#", "Thủ tục", "Số lượt trả lời"],
            [[str(i), q["title"], vn_number(q["count"])] for i, q in enumerate(c.top_questions, 1)],
        )
    else:
        pdf.set_font(FONT, "", 10.5)
        pdf.multi_cell(0, 5.5, c.no_questions_text, new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, "IV. Thời gian xử lý tin báo")
    _table(
        pdf,
        (54.0, 26.0, 30.0, 32.0, 32.0),
        ["Chỉ số", "Số tin báo", "Trung vị", "90% trong vòng", "Trung vị kỳ trước"],
        [[t["label"], t["count"], t["median"], t["p90"], t["previous_median"]] for t in c.response_times],
    )
    if c.document is not None:
        _heading(pdf, "V. Đánh giá chung")
        pdf.set_font(FONT, "", 10.5)
        for sentence in c.document.assessment:
            pdf.multi_cell(0, 5.2, sentence, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        _heading(pdf, "VI. Phương hướng, đề xuất")
        pdf.set_font(FONT, "", 10.5)
        for i, sentence in enumerate(c.document.proposals, 1):
            pdf.multi_cell(0, 5.2, f"{i}. {sentence}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "I", 9)
    pdf.set_text_color(96, 125, 139)
    pdf.multi_cell(
        0,
        4.5,
        f"{c.generated_text} Số liệu của đơn vị bao gồm các đơn vị trực thuộc.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if c.document is not None:
        _nd30_closing(pdf, c.document)
    return bytes(pdf.output())


def _nd30_heading(pdf: Any, d: DocumentParts) -> None:
    """Two columns (decree 30/2020, Phụ lục I): the issuing body, number and symbol on the left;
    quốc hiệu, tiêu ngữ, place and date on the right; then the title and the subject, centred."""
    left_w, right_w = CONTENT_W * 0.42, CONTENT_W * 0.58
    top = pdf.get_y()
    pdf.set_xy(MARGIN, top)
    if d.parent_heading:
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(left_w, 5, d.parent_heading, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(left_w, 5, d.issuer_heading, align="C", new_x="LMARGIN", new_y="NEXT")
    rule_y = pdf.get_y() + 1
    pdf.set_draw_color(38, 50, 56)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN + left_w * 0.33, rule_y, MARGIN + left_w * 0.67, rule_y)
    pdf.set_y(rule_y + 2)
    pdf.set_font(FONT, "", 11)
    pdf.cell(left_w, 6, d.number_symbol, align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    x = MARGIN + left_w
    pdf.set_xy(x, top)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(right_w, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(right_w, 6, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LEFT", new_y="NEXT")
    rule_y = pdf.get_y() + 0.5
    motto_w = pdf.get_string_width("Độc lập - Tự do - Hạnh phúc")
    pdf.line(x + (right_w - motto_w) / 2, rule_y, x + (right_w + motto_w) / 2, rule_y)
    pdf.set_xy(x, rule_y + 3)
    pdf.set_font(FONT, "I", 11.5)
    pdf.cell(right_w, 6, d.place_date, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, d.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11.5)
    pdf.multi_cell(0, 5.5, d.subject, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _nd30_closing(pdf: Any, d: DocumentParts) -> None:
    """Nơi nhận (left, small) and the signature block (right): title, room to sign and stamp, name."""
    needed = 12 + 6 * len(d.recipients) + 40
    if pdf.get_y() + needed > pdf.h - MARGIN:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    half = CONTENT_W / 2
    pdf.set_text_color(38, 50, 56)
    pdf.set_font(FONT, "BI", 11)
    pdf.set_xy(MARGIN, top)
    pdf.cell(half, 5.5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for line in d.recipients:
        pdf.multi_cell(half, 4.8, f"- {line}", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(MARGIN + half, top)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(half, 5.5, d.signer_title, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "I", 9.5)
    pdf.cell(half, 5, "(Ký, đóng dấu)", align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(24)
    pdf.set_x(MARGIN + half)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(half, 6, d.signer_name or "", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()))


def _heading(pdf: object, text: str) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)  # nosec B101 - type narrowing for mypy; fpdf2 always returns one
    if pdf.get_y() > pdf.h - MARGIN - 30:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(31, 78, 156)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(31, 78, 156)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(38, 50, 56)


def _table(pdf: object, widths: tuple[float, ...], header: list[str], rows: list[list[str]]) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)  # nosec B101 - type narrowing for mypy; fpdf2 always returns one
    pdf.set_draw_color(207, 216, 220)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "B", 9.5)
    pdf.set_fill_color(236, 239, 241)
    for w, text in zip(widths, header, strict=True):
        pdf.cell(w, 6.5, text, border=1, fill=True)
    pdf.ln()
    pdf.set_font(FONT, "", 9.5)
    for row in rows:
        if pdf.get_y() + 6 > pdf.h - MARGIN:
            pdf.add_page()
        for i, (w, text) in enumerate(zip(widths, row, strict=True)):
            pdf.cell(w, 6, text, border=1, align="L" if i == 0 or (i == 1 and len(widths) == 3) else "R")
        pdf.ln()
