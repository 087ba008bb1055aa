// Hand-drawn SVG charts (no library): a multi-series line chart and a grouped bar chart.
const NS = "http://www.w3.org/2000/svg";
/** Narrow screens get a narrower drawing so that labels stay readable when scaled to fit. */
export function chartWidth() {
  return window.matchMedia("(max-width: 600px)").matches ? 360 : 640;
}

export const PALETTE = ["#1d4ed8", "#b91c1c", "#15803d", "#a16207", "#7c3aed", "#0e7490"];

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  // Four grid steps of a whole, "round" size (1, 2, 5 x 10^k): 0-4, 0-8, 0-20, 0-40, 0-200...
  const raw = Math.max(1, value / 4);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const multiples = magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
  const step = multiples.map((m) => m * magnitude).find((candidate) => candidate >= raw);
  return step * 4;
}

function frame(title, width, height) {
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title, preserveAspectRatio: "xMidYMid meet" });
  svg.append(el("title", {}, title));
  return svg;
}

function axes(svg, box, max, width) {
  for (let i = 0; i <= 4; i += 1) {
    const y = box.top + box.h - (box.h * i) / 4;
    svg.append(el("line", { x1: box.left, x2: width - box.right, y1: y, y2: y, class: "grid" }));
    svg.append(el("text", { x: box.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, Math.round((max * i) / 4).toLocaleString("vi-VN")));
  }
}

/** series: [{label, values: number[]}], labels: string[] (x axis). */
export function lineChart(title, labels, series, { width = chartWidth(), height = 260 } = {}) {
  const svg = frame(title, width, height);
  const box = { left: 48, right: 12, top: 12, h: height - 60 };
  const innerW = width - box.left - box.right;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  axes(svg, box, max, width);
  const x = (i) => box.left + (labels.length <= 1 ? innerW / 2 : (innerW * i) / (labels.length - 1));
  const y = (v) => box.top + box.h - (box.h * v) / max;
  const every = Math.max(1, Math.ceil(labels.length / 7));
  labels.forEach((label, i) => {
    const last = i === labels.length - 1;
    if (i % every === 0 || (last && i % every >= every / 2)) {
      const anchor = labels.length > 1 && i === labels.length - 1 ? "end" : i === 0 && labels.length > 1 ? "start" : "middle";
      svg.append(el("text", { x: x(i), y: box.top + box.h + 16, "text-anchor": anchor, class: "tick" }, label));
    }
  });
  series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(el("polyline", { points, fill: "none", stroke: color, "stroke-width": 2.5, "stroke-linejoin": "round" }));
    s.values.forEach((v, i) => {
      const dot = el("circle", { cx: x(i), cy: y(v), r: 3, fill: color });
      dot.append(el("title", {}, `${s.label} ${labels[i]}: ${v.toLocaleString("vi-VN")}`));
      svg.append(dot);
    });
  });
  legend(svg, series.map((s) => s.label), height - 18, width);
  return svg;
}

/** groups: [{label, values: number[]}], seriesLabels: string[] — one bar per series in each group. */
export function barChart(title, groups, seriesLabels, { width = chartWidth(), height = 260 } = {}) {
  const svg = frame(title, width, height);
  const box = { left: 48, right: 12, top: 12, h: height - 70 };
  const innerW = width - box.left - box.right;
  const max = niceMax(Math.max(0, ...groups.flatMap((g) => g.values)));
  axes(svg, box, max, width);
  const slot = innerW / Math.max(1, groups.length);
  const barW = Math.max(2, Math.min(28, (slot * 0.8) / seriesLabels.length));
  const every = Math.max(1, Math.ceil(groups.length / (width < 500 ? 5 : 10)));
  groups.forEach((g, gi) => {
    const start = box.left + gi * slot + (slot - barW * seriesLabels.length) / 2;
    g.values.forEach((v, si) => {
      const hgt = (box.h * v) / max;
      const bar = el("rect", { x: start + si * barW, y: box.top + box.h - hgt, width: barW - 1, height: Math.max(0, hgt), fill: PALETTE[si % PALETTE.length], rx: 2 });
      bar.append(el("title", {}, `${g.label} — ${seriesLabels[si]}: ${v.toLocaleString("vi-VN")}`));
      svg.append(bar);
    });
    const short = g.label.length > 12 ? `${g.label.slice(0, 11)}…` : g.label;
    if (gi % every === 0) svg.append(el("text", { x: box.left + gi * slot + slot / 2, y: box.top + box.h + 16, "text-anchor": "middle", class: "tick" }, short));
  });
  legend(svg, seriesLabels, height - 18, width);
  return svg;
}

function legend(svg, labels, y, width) {
  let x = 48;
  labels.forEach((label, i) => {
    if (x > width - 60) return;
    svg.append(el("rect", { x, y: y - 9, width: 12, height: 12, fill: PALETTE[i % PALETTE.length], rx: 2 }));
    svg.append(el("text", { x: x + 16, y: y + 1, class: "legend" }, label));
    x += 24 + label.length * 7;
  });
}

/** One row per group (long labels such as unit names stay readable): rows: [{label, values}]. */
export function hbarChart(title, rows, seriesLabels, { width = window.matchMedia("(min-width: 960px)").matches ? 1200 : chartWidth() } = {}) {
  const labelW = width < 500 ? 110 : 200;
  const rowH = 10 + 9 * seriesLabels.length;
  const height = 36 + rows.length * rowH;
  const svg = frame(title, width, height);
  const innerW = width - labelW - 48;
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => r.values)));
  rows.forEach((row, ri) => {
    const top = 6 + ri * rowH;
    const short = row.label.length > (width < 500 ? 16 : 30) ? `${row.label.slice(0, width < 500 ? 15 : 29)}…` : row.label;
    const text = el("text", { x: labelW - 6, y: top + rowH / 2 + 2, "text-anchor": "end", class: "tick" }, short);
    text.append(el("title", {}, row.label));
    svg.append(text);
    row.values.forEach((v, si) => {
      const w = (innerW * v) / max;
      const y = top + 4 + si * 9;
      const bar = el("rect", { x: labelW, y, width: Math.max(v > 0 ? 2 : 0, w), height: 8, fill: PALETTE[si % PALETTE.length], rx: 2 });
      bar.append(el("title", {}, `${row.label} — ${seriesLabels[si]}: ${v.toLocaleString("vi-VN")}`));
      svg.append(bar);
      if (v > 0 || (si === 0 && row.values.every((x) => !x))) {
        svg.append(el("text", { x: labelW + w + 4, y: y + 8, class: "tick" }, v.toLocaleString("vi-VN")));
      }
    });
  });
  legend(svg, seriesLabels, height - 10, width);
  return svg;
}
