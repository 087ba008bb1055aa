// Unit inbox: urgent first, filters in the URL, search, cursor paging, live count of new tips.
import { api, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, h, loading, select, timeAgo, formatTime, toast } from "../dom.js";
import { STATUS_LABELS } from "../labels.js";
import { shortcutHint, useShortcuts } from "../shortcuts.js";

// The working views (server-side: open cases only, ordered and counted by the API) and "all" (the
// searchable list of every case, closed ones included).
export const VIEWS = [
  ["mine", "Của tôi"],
  ["unassigned", "Chưa phân công"],
  ["unit", "Đơn vị"],
  ["urgent", "Khẩn"],
  ["overdue", "Quá hạn"],
  ["all", "Tất cả & tìm kiếm"],
];
const BULK_STATUSES = [["in_review", "Đang xác minh"], ["resolved", "Đã giải quyết"], ["rejected", "Không đủ cơ sở"], ["spam", "Tin rác"]];

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

function caseRow(item, unitName, selected) {
  const id = item.case_id || item.id;
  const pick = h("input.pick", { type: "checkbox", "aria-label": `Chọn tin báo ${item.code || id}`, checked: selected.has(id) });
  pick.addEventListener("change", () => {
    if (pick.checked) selected.add(id);
    else selected.delete(id);
    pick.dispatchEvent(new CustomEvent("selection", { bubbles: true }));
  });
  return h(
    "li.case-row",
    { class: [item.urgent && isOpen(item) ? "urgent" : "", item.unread ? "unread" : "", item.status === "spam" ? "spam" : ""].filter(Boolean).join(" "), dataset: { caseId: id } },
    pick,
    h(
      "a.case-link",
      { href: `#/case/${encodeURIComponent(item.case_id || item.id)}` },
      h(
        "div.row-top",
        item.unread ? h("span.unread-dot", { title: "Chưa đọc" }, h("span.visually-hidden", "Chưa đọc")) : null,
        item.urgent ? h("span.badge.urgent-badge", "KHẨN") : null,
        h("strong.code", item.code || item.case_id),
        item.overdue ? h("span.badge.overdue-badge", `Quá hạn · ${Math.round(item.idle_hours || 0)} giờ`) : null,
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
  const view = VIEWS.some(([key]) => key === query.get("view")) ? query.get("view") : "all";
  const selected = new Set();
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
    params.set("view", "all");
    const text = params.toString();
    location.hash = `#/inbox${text ? `?${text}` : ""}`;
  });

  const live = h("div.live", { role: "status", "aria-live": "polite" });
  const digestBox = h("div");
  const list = h("ul.cases", { "aria-label": "Danh sách tin báo" });
  const more = h("div.more");
  const body = h("div", loading("Đang tải tin báo…"));
  const tabs = h("nav.views", { "aria-label": "Các hộp tin báo" }, VIEWS.map(([key, label]) =>
    h("a.view-tab", { href: key === "all" ? "#/inbox" : `#/inbox?view=${key}`, "aria-current": key === view ? "page" : null, dataset: { view: key } },
      h("span", label), key === "all" ? null : h("span.count", { "aria-label": "" }, "")),
  ));
  // Bulk: one status for the selected cases (the API checks and audits each case on its own).
  const bulkStatus = select(BULK_STATUSES, "in_review", { name: "bulk_status", "aria-label": "Trạng thái cho các tin đã chọn" });
  const bulkBtn = h("button.secondary", { type: "button" }, "Áp dụng");
  const bulkText = h("span.small");
  const bulkBar = h("div.bulk-bar", { hidden: true, role: "region", "aria-label": "Thao tác hàng loạt" }, bulkText, bulkStatus, bulkBtn);
  const refreshBulk = () => {
    bulkBar.hidden = selected.size === 0;
    bulkText.textContent = `Đã chọn ${selected.size} tin báo:`;
  };
  list.addEventListener("selection", refreshBulk);
  bulkBtn.addEventListener("click", () =>
    busy(bulkBtn, async () => {
      const result = await api("/inbox/bulk", { method: "POST", body: { case_ids: [...selected], status: bulkStatus.value } });
      toast(`Đã chuyển ${result.changed} tin báo sang “${STATUS_LABELS[bulkStatus.value]}”${result.failed ? `; ${result.failed} tin không chuyển được` : ""}.`, result.failed ? "error" : "ok");
      selected.clear();
      refreshBulk();
      await load();
      loadCounts();
    }),
  );
  clear(
    main,
    h("div.page-head", h("h1", "Tin báo"), live, shortcutHint()),
    tabs,
    view === "all"
      ? h("details.filter-box", { open: window.matchMedia("(min-width: 760px)").matches || Object.values(filters).some(Boolean) },
          h("summary", "Bộ lọc và tìm kiếm"), form)
      : null,
    view === "overdue" ? digestBox : null,
    bulkBar,
    body,
  );
  if (view === "overdue") loadDigest();

  // The morning digest of overdue cases (the reminders job stores one per unit and day).
  async function loadDigest() {
    try {
      const digests = listOf(await api("/digests/overdue"));
      clear(digestBox, digests.length
        ? h("div.card.digest", h("h2", "Bản tổng hợp quá hạn sáng nay"),
            h("ul.plain-list", digests.map((d) => h("li", h("span", ctx.unitName(d.unit_id)), h("strong", `${d.count} tin${d.urgent ? ` (${d.urgent} khẩn)` : ""}`)))))
        : h("p.small.muted", "Sáng nay không có bản tổng hợp quá hạn nào."));
    } catch {
      clear(digestBox);
    }
  }

  async function loadCounts() {
    try {
      const data = await api("/inbox/counts");
      for (const tab of tabs.querySelectorAll("[data-view]")) {
        const c = data.views && data.views[tab.dataset.view];
        const out = tab.querySelector(".count");
        if (!c || !out) continue;
        out.textContent = c.unread ? `${c.total} · ${c.unread} chưa đọc` : String(c.total);
        tab.setAttribute("aria-label", `${tab.firstChild.textContent}: ${c.total} tin báo${c.unread ? `, ${c.unread} chưa đọc` : ""}`);
      }
    } catch {
      // The counts are a convenience; the list itself stays usable.
    }
  }

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
      const inView = view !== "all";
      const data = inView
        ? await api("/inbox", { query: { view, offset: cursor || undefined } })
        : await api("/tips", { query: apiQuery(cursor) });
      const page = listOf(data, "tips", "cases");
      items = cursor ? items.concat(page) : page;
      if (!cursor) {
        // "New" means newer than the newest tip shown (server time), so a skewed PC clock loses nothing.
        const newest = page.map((c) => String(c.created_at || "")).sort().pop();
        loadedAt = newest || new Date().toISOString();
      }
      // The views come ordered by the API; "all" puts open urgent tips first.
      clear(list, (inView ? items : sortUrgentFirst(items)).map((item) => caseRow(item, ctx.unitName, selected)));
      const next = data && (inView ? data.next_offset : data.next_cursor || data.cursor);
      clear(more, next ? h("button.secondary", { type: "button", onclick: (e) => { e.target.disabled = true; load(next); } }, "Tải thêm") : null);
      if (items.length === 0) {
        clear(body, empty(
          inView ? "Không có tin báo nào trong hộp này." : Object.values(filters).some(Boolean) ? "Không có tin báo nào khớp bộ lọc." : "Chưa có tin báo nào.",
          "Tin báo mới của người dân sẽ hiện ở đây; trang tự kiểm tra mỗi 15 giây.",
        ));
      } else {
        const total = inView && typeof data.total === "number" ? data.total : null;
        clear(body, h("p.muted.count", total !== null ? `${items.length}/${total} tin báo` : `${items.length} tin báo${next ? " (còn nữa)" : ""}`), list, more);
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

  // j/k move between cases, Enter opens (the row is a link), x selects, / searches.
  const rows = () => [...list.querySelectorAll(".case-link")];
  const step = (delta) => {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(document.activeElement);
    const next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + delta))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  };
  const removeKeys = useShortcuts([
    { key: "j", label: "Tin báo kế tiếp", run: () => step(1) },
    { key: "k", label: "Tin báo trước", run: () => step(-1) },
    { key: "x", label: "Chọn / bỏ chọn tin báo đang đứng", run: () => { const row = document.activeElement && document.activeElement.closest(".case-row"); if (row) row.querySelector(".pick").click(); } },
    { key: "/", label: "Tìm kiếm", run: () => { if (view !== "all") { location.hash = "#/inbox?view=all"; return; } form.closest("details").open = true; search.focus(); } },
  ]);

  load();
  loadCounts();
  const timer = setInterval(poll, POLL_MS);
  const onVisible = () => !document.hidden && poll();
  document.addEventListener("visibilitychange", onVisible);
  return () => {
    stopped = true;
    removeKeys();
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisible);
    document.title = "An Ninh OA — Bàn làm việc cán bộ";
  };
}
