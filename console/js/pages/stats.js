// Statistics for the unit and period, charts, CSV exports and the review-meeting report.
import { api, listOf } from "../api.js";
import { barChart, hbarChart, lineChart } from "../charts.js";
import { busy, clear, empty, errorBox, field, formatNumber, h, loading, saveBlob, select, toast, vnDay } from "../dom.js";
import { OUTCOME_LABELS, STATS_LABELS } from "../labels.js";
import { unitQuotaPanel } from "../quota.js";

// The headline tiles, in order (their names come from the API's labels).
const KEYS = ["followers", "follows", "unfollows", "messages_in", "messages_out", "inquiries", "bot_answered", "tips", "tips_valuable", "broadcast_sent"];

function tiles(totals) {
  return h(
    "ul.tiles",
    KEYS.map((key) => h("li.tile", { dataset: { stat: key } }, h("span.value", formatNumber(totals[key] ?? 0)), h("span.name", STATS_LABELS[key]))),
  );
}

function duration(seconds) {
  const s = Number(seconds);
  if (seconds === null || seconds === undefined || !Number.isFinite(s)) return "chưa có";
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} phút`;
  if (s < 86400 * 2) return `${(s / 3600).toFixed(1).replace(".", ",")} giờ`;
  return `${(s / 86400).toFixed(1).replace(".", ",")} ngày`;
}

function rates(totals) {
  const pct = (a, b) => (Number(b) > 0 ? `${Math.round((Number(a) / Number(b)) * 100)}%` : "—");
  const times = totals.response_times || {};
  const lines = [
    ["Bot tự trả lời", pct(totals.bot_answered, totals.inquiries)],
    ["Tin báo có giá trị", pct(totals.tips_valuable, totals.tips)],
    ["Phản hồi đầu tiên (trung vị)", duration(times.first_response && times.first_response.median_seconds)],
    ["Giải quyết xong (trung vị)", duration(times.resolution && times.resolution.median_seconds)],
  ];
  if (totals.followers_change !== undefined) lines.unshift(["Người quan tâm tăng/giảm trong kỳ", `${totals.followers_change > 0 ? "+" : ""}${formatNumber(totals.followers_change)}`]);
  return h("dl.rates", lines.map(([k, v]) => [h("dt", k), h("dd", v)]));
}

function extras(totals, kbTitles) {
  const outcomes = Object.entries(totals.outcomes || {}).filter(([, n]) => Number(n) > 0);
  const top = Array.isArray(totals.top_questions) ? totals.top_questions : [];
  const cards = [];
  if (outcomes.length) {
    cards.push(h("div.card", h("h2", "Kết quả xử lý tin báo"), h("ul.plain-list", outcomes.map(([k, n]) => h("li", h("span", OUTCOME_LABELS[k] || k), h("strong", formatNumber(n)))))));
  }
  if (top.length) {
    cards.push(h("div.card", h("h2", "Thủ tục được hỏi nhiều nhất"), h("ol.top", top.map((q) => h("li", h("span", q.title || kbTitles.get(q.entry_id) || q.entry_id), " — ", h("strong", formatNumber(q.count)))))));
  }
  return cards.length ? h("div.charts", cards) : null;
}

const UNIT_COLUMNS = [
  ["tips_handled", "Thụ lý"],
  ["tips", "Tiếp nhận"],
  ["tips_resolved", "Đã giải quyết"],
  ["tips_valuable", "Có giá trị"],
  ["follows", "Quan tâm mới"],
];

/** The per-unit rows as a table with the unit's total: the same numbers as the CSV and the report. */
function unitTable(rows, totals, shortName) {
  return h(
    "figure.card.chart-card.wide.unit-table",
    h("figcaption", "Số liệu theo đơn vị"),
    h("div.table-wrap", h(
      "table",
      h("thead", h("tr", h("th", { scope: "col" }, "Đơn vị"), UNIT_COLUMNS.map(([, label]) => h("th.num", { scope: "col" }, label)))),
      h("tbody", rows.map((u) => h("tr", { dataset: { unit: u.unit_id } }, h("th", { scope: "row" }, shortName(u)), UNIT_COLUMNS.map(([key]) => h("td.num", formatNumber(u[key] ?? 0)))))),
      h("tfoot", h("tr", h("th", { scope: "row" }, "Tổng cộng"), UNIT_COLUMNS.map(([key]) => h("td.num", formatNumber(totals[key] ?? 0))))),
    )),
  );
}

async function download(path, query, fallbackName) {
  const response = await api(path, { query, raw: true });
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    const data = await response.json();
    const url = data.url || data.download_url;
    if (!url) throw new Error("Máy chủ không trả về liên kết tải.");
    window.open(url, "_blank", "noopener");
    return;
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  saveBlob(await response.blob(), match ? match[1] : fallbackName);
}

export function render(main, { query }, ctx) {
  const from = h("input", { type: "date", name: "from", value: query.get("from") || vnDay(-29) });
  const to = h("input", { type: "date", name: "to", value: query.get("to") || vnDay(0) });
  const units = ctx.visibleUnits || [];
  const unitSel = select([["", "Đơn vị của tôi (gồm đơn vị trực thuộc)"], ...units.map((u) => [u.unit_id, u.name])], query.get("unit_id") || "", { name: "unit_id" });
  const form = h(
    "form.filters.card",
    { "aria-label": "Chọn kỳ thống kê" },
    field("Từ ngày", from),
    field("Đến ngày", to),
    units.length > 1 ? field("Đơn vị", unitSel) : null,
    h("div.actions", h("button.primary", { type: "submit" }, "Xem")),
  );
  const body = h("div", loading("Đang tổng hợp số liệu…"));
  const reportBox = h("div");
  const reportBtn = h("button.primary", { type: "button" }, "Tải báo cáo sơ kết");
  const statsCsv = h("button.secondary", { type: "button" }, "Xuất số liệu (CSV)");
  const tipsCsv = h("button.secondary", { type: "button" }, "Xuất danh sách tin báo (CSV)");
  const roles = (ctx.me && ctx.me.roles) || [];
  const canReport = roles.includes("commander") || roles.includes("admin");
  const quotaPanel = unitQuotaPanel(query.get("unit_id") || (ctx.me && ctx.me.unit_id)); // Zalo quota this month, warns at 80 %
  clear(main, h("div.page-head", h("h1", "Thống kê"), h("div.actions", canReport ? reportBtn : null, statsCsv, tipsCsv)), reportBox, form, quotaPanel, body);

  const params = () => ({ from: from.value, to: to.value, unit_id: unitSel.value || undefined });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (from.value > to.value) return toast("“Từ ngày” phải trước “Đến ngày”.", "error");
    const search = new URLSearchParams(Object.entries(params()).filter(([, v]) => v));
    location.hash = `#/stats?${search}`;
  });
  statsCsv.addEventListener("click", () => busy(statsCsv, () => download("/stats/export.csv", params(), `thong-ke_${from.value}_${to.value}.csv`)));
  tipsCsv.addEventListener("click", () => busy(tipsCsv, () => download("/tips/export.csv", params(), `tin-bao_${from.value}_${to.value}.csv`)));
  // The report is made off the request path: POST answers 202 with an id, then we poll until ready.
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function waitForReport(id) {
    const deadline = Date.now() + 3 * 60 * 1000;
    for (let delay = 1000; Date.now() < deadline; delay = Math.min(delay * 1.5, 5000)) {
      await sleep(delay);
      const data = await api(`/reports/${encodeURIComponent(id)}`);
      if (data.status === "ready") return data;
      if (data.status === "failed") throw new Error("Không tạo được báo cáo sơ kết. Vui lòng thử lại sau.");
    }
    throw new Error("Báo cáo sơ kết chưa xong sau 3 phút. Vui lòng thử lại sau ít phút.");
  }
  reportBtn.addEventListener("click", () =>
    busy(reportBtn, async () => {
      clear(reportBox, h("div.card", loading("Đang lập báo cáo sơ kết…")));
      let data;
      try {
        const queued = await api("/reports", { method: "POST", body: params() });
        data = queued.status === "ready" ? queued : await waitForReport(queued.report_id);
      } catch (error) {
        clear(reportBox);
        throw error;
      }
      const pdf = data.pdf_url;
      const html = data.html_url;
      if (!pdf && !html) throw new Error("Máy chủ không trả về liên kết báo cáo.");
      clear(
        reportBox,
        h(
          "div.card.report-ready",
          { role: "status" },
          h("h2", "Báo cáo sơ kết đã sẵn sàng"),
          h("p.small.muted", `Kỳ ${data.from.split("-").reverse().join("/")} – ${data.to.split("-").reverse().join("/")}. Liên kết hết hạn sau ${Math.round((data.urls_expire_in || 900) / 60)} phút.`),
          h("div.actions",
            pdf ? h("a.button.primary", { href: pdf, target: "_blank", rel: "noopener noreferrer" }, "Tải báo cáo (PDF)") : null,
            html ? h("a.button.secondary", { href: html, target: "_blank", rel: "noopener noreferrer" }, "Xem bản HTML") : null),
        ),
      );
      reportBox.querySelector("a").focus();
    }),
  );

  // Top questions come as knowledge-base ids; show their titles.
  const kbTitles = api("/kb/entries")
    .then((d) => new Map(listOf(d).map((e) => [e.id, e.title])))
    .catch(() => new Map());

  async function load() {
    try {
      const data = await api("/stats", { query: params() });
      const totals = data.totals || data;
      const series = listOf(data, "series", "days", "daily");
      const byUnit = listOf(data, "by_unit", "units");
      const charts = [];
      if (series.length) {
        charts.push(h("figure.card.chart-card", h("figcaption", "Tin báo theo ngày"), barChart("Tin báo và tin báo có giá trị theo ngày", series.map((d) => ({
          label: String(d.day || "").slice(8, 10) + "/" + String(d.day || "").slice(5, 7),
          values: [Number(d.tips) || 0, Number(d.tips_valuable) || 0],
        })), [STATS_LABELS.tips, STATS_LABELS.tips_valuable])));
        const labels = series.map((d) => String(d.day || d.date || "").slice(5).split("-").reverse().join("/"));
        charts.push(h("figure.card.chart-card", h("figcaption", "Tin nhắn theo ngày"), lineChart("Tin nhắn đến và đi theo ngày", labels, [
          { label: STATS_LABELS.messages_in, values: series.map((d) => Number(d.messages_in) || 0) },
          { label: STATS_LABELS.messages_out, values: series.map((d) => Number(d.messages_out) || 0) },
        ])));
        charts.push(h("figure.card.chart-card", h("figcaption", "Quan tâm OA theo ngày"), lineChart("Lượt quan tâm và bỏ quan tâm theo ngày", labels, [
          { label: STATS_LABELS.follows, values: series.map((d) => Number(d.follows) || 0) },
          { label: STATS_LABELS.unfollows, values: series.map((d) => Number(d.unfollows) || 0) },
        ])));
      }
      // Per unit: the API's rows (the unit's own row included), credited to the unit that handles
      // each tip, or — "received by" — to the unit whose channel received it. Units with tips are
      // drawn; the quiet ones are named below the chart instead of drawn as empty rows.
      const shortName = (u) => (u.name || ctx.unitName(u.unit_id)).replace(/^Công an (phường|quận) /, "");
      if (byUnit.length) {
        const basis = select([["tips_handled", "Theo đơn vị thụ lý"], ["tips", "Theo đơn vị tiếp nhận"]], "tips_handled", { name: "unit_basis", "aria-label": "Cách tính tin báo theo đơn vị" });
        const chartBox = h("div");
        const drawUnits = () => {
          const key = basis.value;
          const active = byUnit.filter((u) => Number(u[key] ?? u.tips) > 0 || Number(u.tips_valuable) > 0);
          const quiet = byUnit.filter((u) => !active.includes(u));
          clear(chartBox,
            active.length
              ? hbarChart("Tin báo và tin có giá trị theo đơn vị", active.map((u) => ({
                  label: shortName(u),
                  values: [Number(u[key] ?? u.tips) || 0, Number(u.tips_valuable) || 0],
                })), [key === "tips" ? "Tin báo tiếp nhận" : "Tin báo thụ lý", STATS_LABELS.tips_valuable])
              : h("p.muted", "Chưa có tin báo trong kỳ."),
            quiet.length && active.length ? h("p.small.muted", `Chưa có tin báo trong kỳ: ${quiet.map(shortName).join(", ")}.`) : null);
        };
        basis.addEventListener("change", drawUnits);
        drawUnits();
        charts.push(h("figure.card.chart-card.wide", h("figcaption", "Tin báo theo đơn vị"), basis, chartBox));
        charts.push(unitTable(byUnit, totals, shortName));
      }
      charts.push(h("figure.card.chart-card", h("figcaption", "Hỏi đáp thủ tục"), barChart("Câu hỏi thủ tục và số bot đã trả lời", [
        { label: "Trong kỳ", values: [Number(totals.inquiries) || 0, Number(totals.bot_answered) || 0] },
      ], [STATS_LABELS.inquiries, STATS_LABELS.bot_answered], { height: 220 })));
      const nothing = KEYS.every((k) => !Number(totals[k]));
      clear(
        body,
        h("p.muted", `Kỳ thống kê: ${from.value.split("-").reverse().join("/")} – ${to.value.split("-").reverse().join("/")} · ${data.unit_name || ctx.unitName(unitSel.value || (ctx.me && ctx.me.unit_id))}`),
        tiles(totals),
        nothing ? empty("Kỳ này chưa có số liệu.", "Số liệu được tổng hợp mỗi ngày; thử chọn kỳ dài hơn hoặc đơn vị khác.") : null,
        h("div.card", h("h2", "Tỷ lệ và thời gian xử lý"), rates(totals)),
        nothing ? null : h("div.charts", charts),
        extras(totals, await kbTitles),
      );
    } catch (err) {
      if (err.status !== 401) clear(body, errorBox(err, load));
    }
  }
  load();
}
