// Unit inbox: urgent first, filters in the URL, search, cursor paging, live count of new tips.
import { api, listOf } from "../api.js";
import { clear, empty, errorBox, field, h, loading, select, timeAgo, formatTime } from "../dom.js";
import { STATUS_LABELS } from "../labels.js";

const POLL_MS = 15000;

export function statusBadge(status) {
  return h(`span.badge.s-${status || "new"}`, STATUS_LABELS[status] || status || "");
}

function sortUrgentFirst(items) {
  return [...items].sort((a, b) => {
    const ua = a.urgent && isOpen(a) ? 1 : 0;
    const ub = b.urgent && isOpen(b) ? 1 : 0;
    if (ua !== ub) return ub - ua;
    return String(b.created_at || "").localeCompare(String(a.created_at || ""));
  });
}

const isOpen = (c) => !["resolved", "rejected", "spam"].includes(c.status);

function caseRow(item, unitName) {
  return h(
    "li.case-row",
    { class: item.urgent && isOpen(item) ? "urgent" : "" },
    h(
      "a.case-link",
      { href: `#/case/${encodeURIComponent(item.case_id || item.id)}` },
      h(
        "div.row-top",
        item.urgent ? h("span.badge.urgent-badge", "KHẨN") : null,
        h("strong.code", item.code || item.case_id),
        statusBadge(item.status),
        item.valuable ? h("span.badge.valuable", "Có giá trị") : null,
        h("time.muted", { datetime: item.created_at, title: formatTime(item.created_at) }, timeAgo(item.created_at)),
      ),
      h("p.summary", item.summary || (item.texts && item.texts[0]) || "(không có nội dung chữ)"),
      h(
        "div.row-meta.muted",
        h("span", unitName(item.unit_id)),
        item.media_count ? h("span", `Đính kèm: ${item.media_count} tệp`) : null,
        item.location || item.address ? h("span", "Có vị trí") : null,
        item.pseudonym ? h("span", `Người báo: ${item.pseudonym}`) : null,
        item.assignee ? h("span", `Phụ trách: ${item.assignee}`) : null,
      ),
    ),
  );
}

export function render(main, { query }, ctx) {
  const filters = {
    status: query.get("status") || "",
    unit_id: query.get("unit_id") || "",
    since: query.get("since") || "",
    urgent: query.get("urgent") || "",
    q: query.get("q") || "",
  };
  const statusSel = select([["", "Tất cả trạng thái"], ...Object.entries(STATUS_LABELS)], filters.status, { name: "status" });
  const unitSel = select(
    [["", "Tất cả đơn vị được xem"], ...(ctx.visibleUnits || []).map((u) => [u.unit_id, u.name])],
    filters.unit_id,
    { name: "unit_id" },
  );
  const since = h("input", { type: "date", name: "since", value: filters.since });
  const urgent = h("input", { type: "checkbox", name: "urgent", checked: filters.urgent === "true" });
  const search = h("input", { type: "search", name: "q", value: filters.q, placeholder: "Mã tin báo, nội dung, địa chỉ…" });
  const form = h(
    "form.filters",
    { role: "search", "aria-label": "Lọc tin báo" },
    field("Tìm kiếm", search),
    field("Trạng thái", statusSel),
    (ctx.visibleUnits || []).length > 1 ? field("Đơn vị", unitSel) : null,
    field("Từ ngày", since),
    h("label.check", urgent, " Chỉ tin khẩn"),
    h("div.actions", h("button.primary", { type: "submit" }, "Lọc"), h("a.button.secondary", { href: "#/inbox" }, "Xóa lọc")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (search.value.trim()) params.set("q", search.value.trim());
    if (statusSel.value) params.set("status", statusSel.value);
    if (unitSel.value && (ctx.visibleUnits || []).length > 1) params.set("unit_id", unitSel.value);
    if (since.value) params.set("since", since.value);
    if (urgent.checked) params.set("urgent", "true");
    const text = params.toString();
    location.hash = `#/inbox${text ? `?${text}` : ""}`;
  });

  const live = h("div.live", { role: "status", "aria-live": "polite" });
  const list = h("ul.cases", { "aria-label": "Danh sách tin báo" });
  const more = h("div.more");
  const body = h("div", loading("Đang tải tin báo…"));
  clear(
    main,
    h("div.page-head", h("h1", "Tin báo"), live),
    h("details.filter-box", { open: window.matchMedia("(min-width: 760px)").matches || Object.values(filters).some(Boolean) },
      h("summary", "Bộ lọc và tìm kiếm"), form),
    body,
  );

  let items = [];
  let loadedAt = new Date().toISOString();
  let stopped = false;

  function apiQuery(cursor) {
    const params = { ...filters };
    if (params.since) params.since = `${params.since}T00:00:00+07:00`;
    if (cursor) params.cursor = cursor;
    return params;
  }

  async function load(cursor) {
    try {
      const data = await api("/tips", { query: apiQuery(cursor) });
      const page = listOf(data, "tips", "cases");
      items = cursor ? items.concat(page) : page;
      if (!cursor) {
        // "New" means newer than the newest tip shown (server time), so a skewed PC clock loses nothing.
        const newest = page.map((c) => String(c.created_at || "")).sort().pop();
        loadedAt = newest || new Date().toISOString();
      }
      clear(list, sortUrgentFirst(items).map((item) => caseRow(item, ctx.unitName)));
      const next = data && (data.next_cursor || data.cursor);
      clear(more, next ? h("button.secondary", { type: "button", onclick: (e) => { e.target.disabled = true; load(next); } }, "Tải thêm") : null);
      if (items.length === 0) {
        clear(body, empty(
          Object.values(filters).some(Boolean) ? "Không có tin báo nào khớp bộ lọc." : "Chưa có tin báo nào.",
          "Tin báo mới của người dân sẽ hiện ở đây; trang tự kiểm tra mỗi 15 giây.",
        ));
      } else {
        clear(body, h("p.muted.count", `${items.length} tin báo${next ? " (còn nữa)" : ""}`), list, more);
      }
      clear(live);
    } catch (err) {
      if (err.status === 401) return;
      clear(body, errorBox(err, () => load()));
    }
  }

  async function poll() {
    if (stopped || document.hidden) return;
    try {
      const data = await api("/tips", { query: { status: "new", since: loadedAt } });
      // Count only tips newer than the newest one shown, once each (the API's `count` is the page
      // size, which also included the tip at exactly `since`).
      const shown = new Set(items.map((c) => c.case_id || c.id));
      const fresh = [...new Map(listOf(data, "tips", "cases")
        .filter((c) => String(c.created_at || "") > loadedAt && !shown.has(c.case_id || c.id))
        .map((c) => [c.case_id || c.id, c])).values()];
      const count = fresh.length;
      const urgentCount = fresh.filter((c) => c.urgent).length;
      document.title = count ? `(${count}) Tin báo — An Ninh OA` : "Tin báo — An Ninh OA";
      clear(
        live,
        count
          ? h(
              "button.new-count",
              { type: "button", class: urgentCount ? "has-urgent" : "", onclick: () => load() },
              `${count} tin báo mới${urgentCount ? ` (${urgentCount} khẩn)` : ""} — bấm để tải`,
            )
          : h("span.muted.small", "Tự cập nhật mỗi 15 giây"),
      );
    } catch {
      // A failed poll is retried on the next tick; the list itself stays usable.
    }
  }

  load();
  const timer = setInterval(poll, POLL_MS);
  const onVisible = () => !document.hidden && poll();
  document.addEventListener("visibilitychange", onVisible);
  return () => {
    stopped = true;
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisible);
    document.title = "An Ninh OA — Bàn làm việc cán bộ";
  };
}
