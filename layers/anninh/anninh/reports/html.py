"""The report as one self-contained HTML page (inline CSS and SVG charts; prints on A4)."""

from __future__ import annotations

from html import escape

from anninh.reports.charts import to_svg
from anninh.reports.content import ReportContent
from anninh.stats.figures import vn_number

CSS = """
body{font-family:'Source Sans Pro',Arial,sans-serif;color:#263238;max-width:820px;margin:24px auto;
 padding:0 16px}
header{text-align:center;margin-bottom:18px}
.unit{font-weight:700;text-transform:uppercase;letter-spacing:.02em}
h1{font-size:24px;margin:12px 0 4px}
.sub{color:#455a64}
h2{font-size:17px;border-bottom:2px solid #1f4e9c;padding-bottom:3px;margin-top:26px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #cfd8dc;padding:5px 8px}
th{background:#eceff1;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:14px 0}
figcaption{font-weight:600;margin-bottom:4px}
footer{margin-top:28px;color:#607d8b;font-size:12px}
.nd30{display:grid;grid-template-columns:42% 58%;text-align:center;font-size:14px;line-height:1.35}
.nd30 .parent{text-transform:uppercase}
.nd30 .issuer,.nd30 .nation{font-weight:700;text-transform:uppercase}
.nd30 .motto{font-weight:700}
.nd30 .rule{width:35%;margin:2px auto 6px;border-top:1px solid #263238}
.nd30 .date{font-style:italic;margin-top:6px}
.doc-title{text-align:center;margin:22px 0 2px;font-size:18px;font-weight:700}
.doc-subject{text-align:center;font-weight:700;margin:0 0 6px}
.closing{display:grid;grid-template-columns:50% 50%;margin-top:28px;font-size:13px}
.closing .to b{font-style:italic}
.closing ul{list-style:none;padding:0;margin:2px 0}
.sign{text-align:center}
.sign .title{font-weight:700;text-transform:uppercase}
.sign .space{height:90px}
.sign .name{font-weight:700}
@media print{body{margin:0}h2{break-after:avoid}figure{break-inside:avoid}}
"""


SUBTITLE = "Kết quả hoạt động các tài khoản Zalo OA (kênh tương tác, tuyên truyền và cải cách hành chính)"


def render_html(content: ReportContent) -> str:
    c = content
    rows = "".join(
        f"<tr><td>{escape(r.label)}</td><td class=n>{vn_number(r.current)}</td>"
        f"<td class=n>{vn_number(r.previous)}</td><td class=n>{escape(r.change)}</td></tr>"
        for r in c.rows
    )
    summary = "".join(f"<li>{escape(s)}</li>" for s in c.summary_sentences())
    charts = "".join(
        f"<figure><figcaption>{escape(ch.title)}</figcaption>{to_svg(ch)}</figure>" for ch in c.charts
    )
    if c.top_questions:
        questions = "".join(
            f"<tr><td class=n>{i}</td><td>{escape(q['title'])}</td>"
            f"<td class=n>{vn_number(q['count'])}</td></tr>"
            for i, q in enumerate(c.top_questions, 1)
        )
        questions_html = (
            "<table><tr><th>#</th><th>Thủ tục</th><th>Số lượt trả lời</th></tr>" + questions + "</table>"
        )
    else:
        questions_html = f"<p>{escape(c.no_questions_text)}</p>"
    times = "".join(
        f"<tr><td>{escape(t['label'])}</td><td class=n>{t['count']}</td>"
        f"<td class=n>{escape(t['median'])}</td>"
        f"<td class=n>{escape(t['p90'])}</td><td class=n>{escape(t['previous_median'])}</td></tr>"
        for t in c.response_times
    )
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>{escape(c.title)} – {escape(c.unit_name)} – {escape(c.period_text)}</title>
<style>{CSS}</style></head>
<body>
{_heading(c)}
<h2>I. Kết quả chính</h2>
<ul>{summary}</ul>
<table><tr><th>Chỉ tiêu</th><th>Kỳ này</th><th>Kỳ trước ({escape(c.previous_text)})</th>
<th>Tăng/giảm</th></tr>
{rows}</table>
<h2>II. Biểu đồ</h2>
{charts}
<h2>III. Thủ tục hành chính được hỏi nhiều nhất</h2>
{questions_html}
<h2>IV. Thời gian xử lý tin báo</h2>
<table><tr><th>Chỉ số</th><th>Số tin báo</th><th>Trung vị</th><th>90% trong vòng</th>
<th>Trung vị kỳ trước</th></tr>
{times}</table>
{_assessment(c)}
{_closing(c)}
<footer>{escape(c.generated_text)} Số liệu của đơn vị bao gồm các đơn vị trực thuộc.</footer>
</body></html>
"""


def _heading(c: ReportContent) -> str:
    """Quốc hiệu, tiêu ngữ, the issuing body, number and symbol, place and date, title and subject."""
    d = c.document
    if d is None:
        return (
            f'<header><div class="unit">{escape(c.unit_name)}</div><h1>{escape(c.title)}</h1>'
            f'<div class="sub">{SUBTITLE}</div><div class="sub">{escape(c.period_text)}</div></header>'
        )
    parent = f'<div class="parent">{escape(d.parent_heading)}</div>' if d.parent_heading else ""
    return (
        '<header class="nd30">'
        f'<div>{parent}<div class="issuer">{escape(d.issuer_heading)}</div><div class="rule"></div>'
        f"<div>{escape(d.number_symbol).replace('  ', '&nbsp; ')}</div></div>"
        '<div><div class="nation">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>'
        '<div class="motto">Độc lập - Tự do - Hạnh phúc</div><div class="rule"></div>'
        f'<div class="date">{escape(d.place_date)}</div></div></header>'
        f'<div class="doc-title">{escape(d.title)}</div><div class="doc-subject">{escape(d.subject)}</div>'
    )


def _assessment(c: ReportContent) -> str:
    d = c.document
    if d is None:
        return ""
    findings = "".join(f"<p>{escape(s)}</p>" for s in d.assessment)
    proposals = "".join(f"<li>{escape(s)}</li>" for s in d.proposals)
    return f"<h2>V. Đánh giá chung</h2>{findings}<h2>VI. Phương hướng, đề xuất</h2><ol>{proposals}</ol>"


def _closing(c: ReportContent) -> str:
    d = c.document
    if d is None:
        return ""
    recipients = "".join(f"<li>- {escape(r)}</li>" for r in d.recipients)
    return (
        '<section class="closing">'
        f'<div class="to"><b>Nơi nhận:</b><ul>{recipients}</ul></div>'
        f'<div class="sign"><div class="title">{escape(d.signer_title)}</div><div class="space"></div>'
        f'<div class="name">{escape(d.signer_name)}</div></div></section>'
    )
