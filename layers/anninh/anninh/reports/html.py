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
<header><div class="unit">{escape(c.unit_name)}</div>
<h1>{escape(c.title)}</h1>
<div class="sub">{SUBTITLE}</div>
<div class="sub">{escape(c.period_text)}</div></header>
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
<footer>{escape(c.generated_text)} Số liệu của đơn vị bao gồm các đơn vị trực thuộc.</footer>
</body></html>
"""
