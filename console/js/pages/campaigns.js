// Campaigns: compose, audience preview with ineligible counts, schedule, live progress, pause/cancel.
import { api, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, formatNumber, formatTime, h, loading, toast } from "../dom.js";
import { CAMPAIGN_STATUS_LABELS, INELIGIBLE_LABELS } from "../labels.js";
import { campaignOptions, deliveriesPanel } from "./campaign-options.js";
import { campaignQuota } from "../quota.js";

const ACTIVE = ["scheduled", "planning", "running", "sending", "queued"];
const FINISHED = ["completed", "done", "finished", "cancelled", "canceled", "failed"];

function numbers(c) {
  const total = Number(c.total) || 0;
  const sent = Number(c.sent) || 0;
  const failed = Number(c.failed) || 0;
  const skipped = Number(c.skipped) || 0;
  const done = sent + failed + skipped;
  let percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  if (["completed", "done", "finished"].includes(c.status)) percent = 100;
  return { total, sent, failed, skipped, percent };
}

function formatEta(eta) {
  // The API gives the expected end as an ISO instant (older shapes: seconds left).
  if (typeof eta === "string" && Number.isNaN(Number(eta))) {
    const end = new Date(eta);
    if (Number.isNaN(end.getTime())) return "";
    return `dự kiến xong lúc ${end.toLocaleTimeString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit" })}`;
  }
  const s = Number(eta);
  if (!Number.isFinite(s) || s <= 0) return "";
  if (s < 60) return `khoảng ${Math.ceil(s)} giây nữa`;
  if (s < 3600) return `khoảng ${Math.ceil(s / 60)} phút nữa`;
  return `khoảng ${(s / 3600).toFixed(1)} giờ nữa`;
}

function campaignCard(c, onAction) {
  const n = numbers(c);
  const id = c.campaign_id || c.id;
  const status = c.status || "";
  // Held for quiet hours (22:00-06:00 for promotion kinds): say until when, not "scheduled 0 %".
  const heldUntil = status === "scheduled" && c.deferred_until ? c.deferred_until : null;
  const heldClock = heldUntil ? new Date(heldUntil).toLocaleTimeString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit" }) : "";
  const label = heldUntil ? `Tạm giữ đến ${heldClock}` : c.status_label || CAMPAIGN_STATUS_LABELS[status] || status;
  const reasons = (map) => Object.entries(map || {}).filter(([, n]) => Number(n) > 0);
  const reasonList = [...reasons(c.skipped_reasons).map(([r, n]) => ["Bỏ qua", r, n]), ...reasons(c.failed_reasons).map(([r, n]) => ["Lỗi", r, n])];
  const buttons = [];
  const action = (name, text, cls = "secondary") => {
    const button = h(`button.${cls}`, { type: "button" }, text);
    button.addEventListener("click", () => onAction(button, id, name));
    return button;
  };
  if (["running", "sending", "planning", "scheduled", "queued"].includes(status)) buttons.push(action("pause", "Tạm dừng"));
  if (status === "paused") buttons.push(action("resume", "Tiếp tục gửi", "primary"));
  if (!FINISHED.includes(status)) buttons.push(action("cancel", "Hủy chiến dịch", "danger"));
  return h(
    "li.card.campaign",
    { dataset: { campaignId: id, status } },
    h("div.row-top", h("strong", c.name || id), h(`span.badge.c-${status}`, label)),
    heldUntil
      ? h("p.small.held", `Chưa gửi: tin quảng bá không được gửi trong khung giờ 22:00–06:00. Sẽ tự gửi lúc ${heldClock} ngày ${new Date(heldUntil).toLocaleDateString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric" })}.`)
      : progressBar(c.name || "", n.percent),
    heldUntil ? null : h(
      "p.small.progress-text",
      h("strong.percent", `${n.percent}%`),
      ` — đã gửi ${formatNumber(n.sent)}/${formatNumber(n.total)}`,
      n.failed ? `, lỗi ${formatNumber(n.failed)}` : "",
      n.skipped ? `, bỏ qua ${formatNumber(n.skipped)}` : "",
      c.rate ? ` · ${formatNumber(Math.round(c.rate))} tin/phút` : "",
      ACTIVE.includes(status) && c.eta ? ` · ${formatEta(c.eta)}` : "",
    ),
    h("p.small.muted", c.send_at ? `Hẹn gửi: ${formatTime(c.send_at)}` : c.created_at ? `Tạo lúc ${formatTime(c.created_at)}` : ""),
    c.message && c.message.text ? h("p.msg-preview", c.message.text) : null,
    reasonList.length
      ? h("details.small", h("summary", "Lý do bỏ qua / lỗi"), h("ul", reasonList.map(([what, r, n]) => h("li", `${what} — ${INELIGIBLE_LABELS[r] || r}: ${formatNumber(n)}`))))
      : null,
    deliveriesPanel(id),
    buttons.length ? h("div.actions", buttons) : null,
  );
}

function progressBar(name, percent) {
  const fill = h("div.bar-fill");
  fill.style.width = `${percent}%`; // CSSOM, not a style attribute: allowed under the console's CSP
  return h("div.progress", { role: "progressbar", "aria-label": `Tiến độ gửi ${name}`, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": percent }, fill);
}

function toIsoFromVnLocal(value) {
  // <input type=datetime-local> gives "YYYY-MM-DDTHH:MM" in Vietnam time (UTC+7, no DST).
  return value ? new Date(`${value}:00+07:00`).toISOString() : undefined;
}

export function render(main, params, ctx) {
  const oaBox = h("fieldset.oas", h("legend", "Gửi tới người quan tâm của OA"), loading("Đang tải danh sách OA…"));
  const name = h("input", { name: "name", required: true, maxlength: 120, placeholder: "Ví dụ: Cảnh báo lừa đảo qua mạng tháng 6" });
  const text = h("textarea", { name: "text", rows: 4, required: true, maxlength: 2000, placeholder: "Nội dung tin gửi tới người quan tâm" });
  const counter = h("small.muted", "0/2000 ký tự");
  text.addEventListener("input", () => { counter.textContent = `${text.value.length}/2000 ký tự`; });
  const sendAt = h("input", { type: "datetime-local", name: "send_at" });
  const previewBox = h("div.preview", { "aria-live": "polite" });
  const previewBtn = h("button.secondary", { type: "button" }, "Xem trước người nhận");
  const createBtn = h("button.primary", { type: "submit" }, "Tạo chiến dịch");
  const options = campaignOptions(text);
  const form = h(
    "form.card.compose",
    h("h2", "Soạn chiến dịch mới"),
    field("Tên chiến dịch", name),
    oaBox,
    options.element,
    field("Nội dung tin", text),
    counter,
    field("Hẹn giờ gửi (giờ Việt Nam)", sendAt, "Để trống để gửi ngay. Hệ thống tự tránh giờ yên tĩnh và giới hạn tin của mỗi người."),
    h("div.actions", previewBtn, createBtn),
    previewBox,
  );
  const listBox = h("div", loading("Đang tải chiến dịch…"));
  clear(main, h("div.page-head", h("h1", "Chiến dịch gửi tin")), h("div.case-grid", h("section.col-main", h("h2", "Các chiến dịch"), listBox), h("aside.col-side", form)));

  let oaInputs = [];
  api("/oas")
    .then((data) => {
      // Only the OAs the API says this officer may send through (their unit and the units below).
      const oas = listOf(data, "oas").filter((oa) => oa.visible !== false);
      oaInputs = oas.map((oa) => h("input", { type: "checkbox", name: "oa_ids", value: oa.oa_id }));
      clear(
        oaBox,
        h("legend", "Gửi tới người quan tâm của OA"),
        oas.length
          ? [
              h("button.link", { type: "button", onclick: () => oaInputs.forEach((i) => { i.checked = true; }) }, "Chọn tất cả"),
              h("div.oa-grid", oas.map((oa, i) => h("label.check", oaInputs[i], ` ${oa.name || oa.oa_id}`))),
            ]
          : h("p.muted", "Đơn vị chưa quản lý OA nào."),
      );
    })
    .catch((err) => clear(oaBox, h("legend", "Gửi tới người quan tâm của OA"), errorBox(err)));

  const chosenOas = () => oaInputs.filter((i) => i.checked).map((i) => i.value);

  previewBtn.addEventListener("click", () => {
    const oaIds = chosenOas();
    if (!oaIds.length) return toast("Vui lòng chọn ít nhất một OA.", "error");
    return busy(previewBtn, async () => {
      const body = { name: name.value.trim() || "Xem trước", oa_ids: oaIds, message: { text: text.value.trim() || "…" }, send_at: toIsoFromVnLocal(sendAt.value) };
      const problem = options.apply(body);
      if (problem) throw new Error(problem);
      const p = await api("/campaigns/preview", { method: "POST", body });
      const ineligible = p.ineligible && typeof p.ineligible === "object" ? p.ineligible : {};
      const ineligibleTotal = p.ineligible_total ?? Object.values(ineligible).reduce((a, b) => a + (Number(b) || 0), 0);
      const labels = p.ineligible_labels || {};
      clear(
        previewBox,
        h(
          "div.card.inner",
          h("h3", "Người nhận dự kiến"),
          h("p", h("strong.big", formatNumber(p.eligible ?? p.total)), " người đủ điều kiện nhận",
            p.followers !== undefined || p.audience !== undefined ? ` / ${formatNumber(p.followers ?? p.audience)} người quan tâm` : ""),
          h("p", `Không đủ điều kiện: ${formatNumber(ineligibleTotal)}`),
          Object.keys(ineligible).length
            ? h("ul.small", Object.entries(ineligible).map(([reason, count]) => h("li", `${labels[reason] || INELIGIBLE_LABELS[reason] || reason}: ${formatNumber(count)}`)))
            : null,
          p.estimated ? h("p.small.muted", "Số liệu ước tính (danh sách lớn); con số chính xác có khi gửi.") : null,
          p.send_at ? h("p.small.muted", `Thời điểm gửi: ${formatTime(p.send_at)}`) : null,
        ),
        campaignQuota(p),
      );
    });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const oaIds = chosenOas();
    if (!name.value.trim()) return toast("Vui lòng nhập tên chiến dịch.", "error");
    if (!oaIds.length) return toast("Vui lòng chọn ít nhất một OA.", "error");
    if (!text.value.trim() && options.kind.value === "text") return toast("Vui lòng nhập nội dung tin.", "error");
    return busy(createBtn, async () => {
      const body = { name: name.value.trim(), oa_ids: oaIds, message: { text: text.value.trim() } };
      const problem = options.apply(body);
      if (problem) throw new Error(problem);
      const at = toIsoFromVnLocal(sendAt.value);
      if (at) body.send_at = at;
      await api("/campaigns", { method: "POST", body });
      toast(at ? "Đã hẹn giờ chiến dịch." : "Đã tạo chiến dịch, đang gửi.");
      form.reset();
      counter.textContent = "0/2000 ký tự";
      clear(previewBox);
      await loadList();
    });
  });

  async function onAction(button, id, name) {
    const confirmText = { cancel: "Hủy chiến dịch này? Tin chưa gửi sẽ không được gửi nữa." };
    if (confirmText[name] && !window.confirm(confirmText[name])) return;
    await busy(button, async () => {
      await api(`/campaigns/${encodeURIComponent(id)}/${name}`, { method: "POST", body: {} });
      toast({ pause: "Đã tạm dừng.", resume: "Đã tiếp tục gửi.", cancel: "Đã hủy chiến dịch." }[name]);
      await loadList();
    });
  }

  let timer = null;
  let disposed = false;
  async function loadList() {
    clearTimeout(timer);
    try {
      const items = listOf(await api("/campaigns"), "campaigns");
      if (disposed) return;
      items.sort((a, b) => String(b.created_at || "").localeCompare(String(a.created_at || "")));
      clear(listBox, items.length ? h("ul.campaigns", items.map((c) => campaignCard(c, onAction))) : empty("Chưa có chiến dịch nào.", "Soạn chiến dịch ở khung bên cạnh."));
      const anyActive = items.some((c) => ACTIVE.includes(c.status));
      timer = setTimeout(loadList, anyActive ? 2000 : 15000);
    } catch (err) {
      if (err.status !== 401 && !disposed) {
        clear(listBox, errorBox(err, loadList));
        timer = setTimeout(loadList, 15000);
      }
    }
  }
  loadList();
  return () => {
    disposed = true;
    clearTimeout(timer);
  };
}
