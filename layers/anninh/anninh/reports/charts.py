"""Small charts drawn by our own code: a list of shapes rendered as SVG.

One renderer: the HTML report inlines the SVG and the PDF report hands the same SVG to fpdf2, so both
show the same picture. Text asks for the report font first (the PDF embeds it), then Arial.
Coordinates are in points of a `width` x `height` canvas, origin top-left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Literal

PALETTE = ("#1f4e9c", "#d9822b", "#2e8b57", "#b03a2e", "#6c3483", "#117a8b")
GRID = "#d5d8dc"
INK = "#263238"
MUTED = "#607d8b"
FONT_FAMILY = "Source Sans Pro"  # the PDF registers its embedded font under this name


@dataclass(frozen=True)
class Shape:
    kind: Literal["line", "rect", "polyline", "text", "circle"]
    points: tuple[tuple[float, float], ...]
    color: str = INK
    width: float = 1.0  # stroke width, or the rectangle's width
    height: float = 0.0  # rectangle height, or font size for text
    text: str = ""
    anchor: Literal["start", "middle", "end"] = "start"
    bold: bool = False


@dataclass
class Chart:
    title: str
    width: float
    height: float
    shapes: list[Shape] = field(default_factory=list)

    def add(self, shape: Shape) -> None:
        self.shapes.append(shape)


def nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 x 10^n; at least 5 so ticks are whole)."""
    if value <= 5:
        return 5.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def text_width(text: str, size: float) -> float:
    """Approximate width of text in the report font (Source Sans Pro averages ~0.5 em per letter)."""
    return len(text) * size * 0.52


def _label(value: float) -> str:
    return f"{int(value):,}".replace(",", ".") if value == int(value) else f"{value:.1f}"


def line_chart(
    title: str,
    days: list[str],
    series: list[tuple[str, list[float]]],
    width: float = 520,
    height: float = 200,
) -> Chart:
    """Daily trend lines with a y grid, day labels (dd/mm) and a legend."""
    chart = Chart(title, width, height)
    left, right, top, bottom = 40.0, 10.0, 12.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_max(max((v for _, values in series for v in values), default=0))
    for i in range(6):
        y = top + plot_h - plot_h * i / 5
        chart.add(Shape("line", ((left, y), (left + plot_w, y)), GRID, 0.5))
        chart.add(
            Shape("text", ((left - 4, y + 3),), MUTED, height=7, text=_label(peak * i / 5), anchor="end")
        )
    n = len(days)
    step = plot_w / max(n - 1, 1)
    label_every = max(1, math.ceil(n / 10))
    for i, day in enumerate(days):
        if i % label_every == 0 or i == n - 1:
            x = left + step * i
            chart.add(
                Shape(
                    "text",
                    ((x, top + plot_h + 11),),
                    MUTED,
                    height=7,
                    text=f"{day[8:10]}/{day[5:7]}",
                    anchor="middle",
                )
            )
    for k, (name, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = tuple((left + step * i, top + plot_h - plot_h * v / peak) for i, v in enumerate(values))
        if len(points) == 1:
            chart.add(Shape("circle", points, color, 2.5))
        else:
            chart.add(Shape("polyline", points, color, 1.6))
        legend_x = left + sum(text_width(n, 8) + 30 for n, _ in series[:k])  # never overlapping
        legend_y = height - 8
        chart.add(Shape("rect", ((legend_x, legend_y - 6),), color, 10, 6))
        chart.add(Shape("text", ((legend_x + 14, legend_y),), INK, height=8, text=name))
    return chart


def bar_chart(
    title: str, rows: list[tuple[str, float]], color: str = PALETTE[0], width: float = 520
) -> Chart:
    """Horizontal bars, one per row, with the value at the end of the bar."""
    bar, gap = 11.0, 5.0
    # Room for the longest name (team names are long), up to half the width: names are never cut.
    label_w = min(width / 2, max(120.0, max((text_width(label, 8) for label, _ in rows), default=0) + 12))
    height = max(30.0, len(rows) * (bar + gap) + 10)
    chart = Chart(title, width, height)
    peak = nice_max(max((v for _, v in rows), default=0))
    plot_w = width - label_w - 50
    for i, (label, value) in enumerate(rows):
        y = 5 + i * (bar + gap)
        chart.add(Shape("text", ((label_w - 6, y + bar - 2),), INK, height=8, text=label, anchor="end"))
        length = plot_w * value / peak if peak else 0
        chart.add(Shape("rect", ((label_w, y),), GRID, plot_w, bar))
        if length > 0:
            chart.add(Shape("rect", ((label_w, y),), color, length, bar))
        chart.add(
            Shape(
                "text", ((label_w + length + 4, y + bar - 2),), INK, height=8, text=_label(value), bold=True
            )
        )
    return chart


def to_svg(chart: Chart) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width:g} {chart.height:g}" '
        f'width="100%" role="img" aria-label="{escape(chart.title)}" '
        f"font-family=\"'{FONT_FAMILY}', Arial, sans-serif\">",
        f"<title>{escape(chart.title)}</title>",
    ]
    for s in chart.shapes:
        if s.kind == "line":
            (x1, y1), (x2, y2) = s.points
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{s.color}" '
                f'stroke-width="{s.width:g}"/>'
            )
        elif s.kind == "polyline":
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{s.color}" stroke-width="{s.width:g}" '
                f'stroke-linejoin="round"/>'
            )
        elif s.kind == "rect":
            (x, y) = s.points[0]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{s.width:.1f}" height="{s.height:.1f}" '
                f'fill="{s.color}"/>'
            )
        elif s.kind == "circle":
            (x, y) = s.points[0]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s.width:g}" fill="{s.color}"/>')
        else:
            (x, y) = s.points[0]
            weight = ' font-weight="bold"' if s.bold else ""
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" font-size="{s.height:g}" fill="{s.color}" '
                f'text-anchor="{s.anchor}"{weight}>{escape(s.text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
