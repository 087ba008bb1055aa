// Case view: conversation, media, location, actions (status, valuable, outcome, forward), notes,
// reply with canned replies, history and audit trail.
import { api, idempotencyKey, listOf } from "../api.js";
import { busy, clear, errorBox, field, formatTime, h, loading, select, toast } from "../dom.js";
import { OUTCOME_LABELS, STATUS_LABELS } from "../labels.js";
import { statusBadge } from "./inbox.js";
import { shortcutHint, useShortcuts } from "../shortcuts.js";
import { replyTierNote } from "../quota.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** A map pin without external tiles: a coordinate grid with the pin, plus links to open a real map. */
export function locationBox(location, address) {
  // No location (null, missing or empty coordinates) is not the point 0,0 in the Gulf of Guinea.
  const coord = (...values) => {
    const v = values.find((x) => x !== undefined && x !== null && String(x).trim() !== "");
    return v === undefined ? NaN : Number(v);
  };
  const lat = location ? coord(location.latitude, location.lat) : NaN;
  const lng = location ? coord(location.longitude, location.lng, location.lon) : NaN;
  const hasPoint = Number.isFinite(lat) && Number.isFinite(lng) && !(lat === 0 && lng === 0) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;
  const parts = [];
  if (hasPoint) {
    const grid = svg("g", { stroke: "currentColor", "stroke-opacity": "0.15" });
    for (let i = 1; i < 8; i += 1) {
      grid.append(svg("line", { x1: i * 40, y1: 0, x2: i * 40, y2: 180 }));
      if (i < 5) grid.append(svg("line", { x1: 0, y1: i * 36, x2: 320, y2: i * 36 }));
    }
    parts.push(
      svg(
        "svg",
        { viewBox: "0 0 320 180", class: "map", role: "img", "aria-label": `Vị trí ${lat.toFixed(5)}, ${lng.toFixed(5)}` },
        svg("rect", { x: 0, y: 0, width: 320, height: 180, class: "map-bg" }),
        grid,
        svg("circle", { cx: 160, cy: 90, r: 26, class: "map-halo" }),
        svg("path", { d: "M160 92c-9-13-16-21-16-30a16 16 0 0 1 32 0c0 9-7 17-16 30z", class: "map-pin" }),
        svg("circle", { cx: 160, cy: 62, r: 6, fill: "#fff" }),
        svg("text", { x: 8, y: 172, class: "map-text" }, `${lat.toFixed(5)}, ${lng.toFixed(5)}`),
        svg("text", { x: 312, y: 18, "text-anchor": "end", class: "map-text" }, "B ↑"),
      ),
      h(
        "p.map-links",
        h("a", { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=18/${lat}/${lng}`, target: "_blank", rel: "noopener noreferrer" }, "Mở bản đồ OpenStreetMap"),
        " · ",
        h("a", { href: `https://www.google.com/maps/search/?api=1&query=${lat},${lng}`, target: "_blank", rel: "noopener noreferrer" }, "Google Maps"),
        " · ",
        h("a", { href: `geo:${lat},${lng}` }, "Mở ứng dụng bản đồ"),
      ),
    );
  }
  if (address) parts.push(h("p", h("strong", "Địa chỉ: "), address));
  return parts.length ? h("div.location", parts) : h("p.muted", "Người báo chưa gửi vị trí hay địa chỉ.");
}

/** True when a presigned URL (X-Amz-Date + X-Amz-Expires) is past its expiry. */
export function linkExpired(url, now = Date.now()) {
  try {
    const params = new URL(url, location.href).searchParams;
    const stamp = params.get("X-Amz-Date");
    const seconds = Number(params.get("X-Amz-Expires"));
    if (!stamp || !Number.isFinite(seconds)) return false;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
    if (!m) return false;
    const signed = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    return now > signed + seconds * 1000;
  } catch {
    return false;
  }
}

function mediaItem(item) {
  const url = item.url || item.presigned_url || item.download_url;
  const type = String(item.content_type || item.mime_type || item.kind || item.type || "");
  const name = item.filename || item.name || item.media_id || "tệp đính kèm";
  if (!url) {
    const failed = item.error || item.status === "failed" || item.status === "rejected";
    const purged = item.purged_at;
    return h("li.media-item.muted", purged ? `${name}: đã xóa theo thời hạn lưu trữ` : failed ? `${name}: không tải được tệp (${item.error || item.status})` : `${name} (đang tải về kho lưu trữ…)`);
  }
  const broken = h("p.muted.small", { hidden: true });
  // Only a link past its expiry is "expired"; a video the browser cannot decode says so instead.
  const failed = (event) => {
    const code = event && event.target && event.target.error ? event.target.error.code : 0;
    broken.textContent = linkExpired(url)
      ? "Liên kết đã hết hạn — bấm “Tải lại” để lấy liên kết mới."
      : code === 4
        ? "Trình duyệt này không phát được định dạng tệp — bấm “Mở bản gốc” để tải về xem."
        : "Chưa tải được tệp — bấm “Tải lại” hoặc “Mở bản gốc”.";
    broken.hidden = false;
  };
  let view;
  if (type.startsWith("image") || type === "photo" || type === "sticker" || type === "gif") {
    view = h("img", { src: url, alt: `Ảnh người báo gửi: ${name}`, loading: "lazy", onerror: failed });
  } else if (type.startsWith("video") || type === "video") {
    view = h("video", { src: url, controls: true, preload: "metadata", playsinline: true, onerror: failed });
  } else if (type.startsWith("audio") || type === "audio" || type === "voice") {
    view = h("audio", { src: url, controls: true, preload: "none" });
  } else {
    view = h("a.button.secondary", { href: url, target: "_blank", rel: "noopener noreferrer", download: name }, `Tải ${name}`);
  }
  return h("li.media-item", view, broken, h("a.small", { href: url, target: "_blank", rel: "noopener noreferrer" }, "Mở bản gốc"), item.sha256 ? h("small.muted.mono", ` SHA-256 ${String(item.sha256).slice(0, 12)}…`) : null);
}

const ORIGIN_LABELS = { bot: "Bot tự động", system: "Tin tự động", officer: "Cán bộ", admin: "Quản trị OA" };
const KIND_LABELS = {
  image: "Ảnh — xem mục Ảnh, video, tệp",
  gif: "Ảnh động",
  video: "Video — xem mục Ảnh, video, tệp",
  audio: "Ghi âm",
  file: "Tệp đính kèm",
  location: "Vị trí — xem mục Vị trí",
  sticker: "Nhãn dán",
  link: "Liên kết",
  template: "Tin mẫu",
};

function messageBubble(message) {
  const direction = message.direction || (message.from === "oa" || message.sender === "oa" ? "out" : "in");
  const mine = direction === "out" || direction === "outbound";
  const author = message.officer || message.author || ORIGIN_LABELS[message.origin] || "Đơn vị";
  const text = message.text || message.body || message.caption || "";
  const kind = message.kind || message.type || "";
  const attachments = listOf(message, "attachments", "media");
  return h(
    `li.bubble.${mine ? "out" : "in"}`,
    h("div.from.small.muted", mine ? author : message.pseudonym || "Người báo"),
    text ? h("p", text) : null,
    !text && kind && kind !== "text" ? h("p.muted", `[${KIND_LABELS[kind] || kind}]`) : null,
    attachments.length ? h("ul.media", attachments.map(mediaItem)) : null,
    h("time.small.muted", { datetime: message.at || message.created_at }, formatTime(message.at || message.created_at)),
  );
}

const EVENT_LABELS = {
  status: "Đổi trạng thái",
  unit: "Chuyển đơn vị xử lý",
  info_copy: "Gửi bản sao để biết",
  assignee: "Phân công",
  outcome: "Ghi kết quả xử lý",
  reply: "Trả lời người báo",
  merged_into: "Gộp vào tin báo",
  merged_from: "Nhận gộp từ tin báo",
  opened: "Tiếp nhận tin báo",
  created: "Tiếp nhận tin báo",
  urgent: "Gắn cờ khẩn",
  text: "Người báo gửi tin nhắn",
  image: "Người báo gửi ảnh",
  gif: "Người báo gửi ảnh động",
  video: "Người báo gửi video",
  audio: "Người báo gửi ghi âm",
  file: "Người báo gửi tệp",
  location: "Người báo gửi vị trí",
  sticker: "Người báo gửi nhãn dán",
  link: "Người báo gửi liên kết",
  note: "Ghi chú nội bộ",
  reveal: "Xem danh tính người báo",
};

const AUDIT_LABELS = {
  "case.read": "Xem tin báo",
  "case.update": "Cập nhật tin báo",
  "case.note": "Ghi chú nội bộ",
  "case.reply": "Trả lời người báo",
  "case.forward": "Chuyển đơn vị",
  "case.merge": "Gộp tin trùng",
  "case.reveal": "Xem danh tính người báo",
  "case.audit.read": "Xem nhật ký thao tác",
  "case.block": "Chặn / bỏ chặn người báo",
  "citizen.block": "Chặn người báo",
  "citizen.unblock": "Bỏ chặn người báo",
  "case.list": "Xem danh sách",
};

function historyLine(entry, unitName) {
  const who = entry.by || entry.actor || entry.username || "Hệ thống";
  const kind = entry.kind || entry.action || "";
  const show = (key, v) => {
    if (v === undefined || v === null || v === "") return "—";
    if (key === "unit") return unitName(v);
    return STATUS_LABELS[v] || OUTCOME_LABELS[v] || (v === true ? "có" : v === false ? "không" : String(v));
  };
  let what = EVENT_LABELS[kind] || AUDIT_LABELS[kind] || kind;
  let change = "";
  if (kind === "valuable") what = entry.value ? "Đánh dấu tin có giá trị" : "Bỏ đánh dấu có giá trị";
  else if (entry.from !== undefined || entry.to !== undefined) change = `${show(kind, entry.from)} → ${show(kind, entry.to)}`;
  else if (Array.isArray(entry.units)) change = entry.units.map(unitName).join(", ");
  else if (entry.into_code || entry.case_code) change = entry.into_code || entry.case_code;
  else if (entry.after && typeof entry.after === "object") {
    change = Object.entries(entry.after)
      .filter(([, v]) => typeof v !== "object" || v === null)
      .map(([key, v]) => `${key}: ${entry.before && key in entry.before ? `${show(key, entry.before[key])} → ` : ""}${show(key, v)}`)
      .join("; ");
  }
  return h(
    "li",
    { class: entry.outcome === "denied" ? "denied" : "" },
    h("time.small.muted", { datetime: entry.at }, formatTime(entry.at)),
    " ",
    h("strong", who),
    " — ",
    h("span", what),
    change ? h("span.muted", ` (${change})`) : null,
    entry.outcome === "denied" ? h("span.badge.s-rejected", "bị từ chối") : null,
    entry.text && kind === "reply" ? h("div.small", `“${entry.text}”`) : null,
    entry.reason || entry.note ? h("div.small", entry.reason || entry.note) : null,
  );
}

export function render(main, { rest }, ctx) {
  const caseId = rest[0];
  let canned = null;
  let disposed = false;
  let currentVersion;

  async function load() {
    clear(main, loading("Đang tải tin báo…"));
    try {
      const data = await api(`/tips/${encodeURIComponent(caseId)}`);
      if (!disposed) show(data);
      if (!disposed && data.access !== "info") ping();
    } catch (err) {
      if (err.status === 401) return;
      clear(main, h("p", h("a", { href: "#/inbox" }, "← Về hộp tin báo")), errorBox(err, load));
    }
  }

  // "Someone else is working on this": opening the case marks it read and tells who else is on it.
  let presenceTimer = null;
  async function ping() {
    clearTimeout(presenceTimer);
    try {
      const { others = [] } = await api(`/tips/${encodeURIComponent(caseId)}/presence`, { method: "POST", body: {} });
      const box = document.getElementById("presence");
      if (box) {
        box.hidden = !others.length;
        box.textContent = others.length ? `${others.join(", ")} cũng đang xem tin báo này — nên trao đổi trước khi xử lý để tránh trùng việc.` : "";
      }
    } catch {
      // presence is a hint; the case stays usable without it
    }
    if (!disposed) presenceTimer = setTimeout(ping, 60000);
  }

  async function patch(button, body, done) {
    await busy(button, async () => {
      await api(`/tips/${encodeURIComponent(caseId)}`, { method: "PATCH", body: { ...body, version: currentVersion } });
      toast(done);
      await load();
    });
  }

  function show(data) {
    const c = data.case || data;
    currentVersion = typeof c.version === "number" ? c.version : undefined;
    const conversation = listOf(data, "conversation", "messages", "thread");
    const media = listOf(data, "media", "attachments");
    const notes = listOf(data, "notes");
    const history = listOf(data, "history", "events");
    // The API lists the statuses this officer may move the case to (workflow rules live there).
    const allowed = Array.isArray(c.status_options) ? c.status_options : null;
    const fullAccess = c.access !== "info";

    // --- actions
    const statusOptions = Object.entries(STATUS_LABELS).filter(
      ([key]) => key === c.status || (key !== "forwarded" && (allowed === null || allowed.includes(key))),
    );
    const statusSel = select(statusOptions, c.status, { name: "status" });
    const statusBtn = h("button.primary", { type: "button" }, "Cập nhật trạng thái");
    statusBtn.addEventListener("click", () => {
      if (statusSel.value === c.status) return toast("Trạng thái không thay đổi.", "info");
      const body = { status: statusSel.value };
      if (statusSel.value === "resolved" && outcomeSel.value) body.outcome = outcomeSel.value;
      return patch(statusBtn, body, `Đã chuyển sang “${STATUS_LABELS[statusSel.value]}”.`);
    });
    const valuableBtn = h(
      "button.secondary",
      { type: "button", "aria-pressed": c.valuable ? "true" : "false" },
      c.valuable ? "★ Tin có giá trị — bỏ đánh dấu" : "☆ Đánh dấu tin có giá trị",
    );
    valuableBtn.addEventListener("click", () =>
      patch(valuableBtn, { valuable: !c.valuable }, c.valuable ? "Đã bỏ đánh dấu có giá trị." : "Đã đánh dấu tin báo có giá trị."),
    );
    const outcomeSel = select([["", "— Chưa có kết quả —"], ...Object.entries(OUTCOME_LABELS)], c.outcome || "", { name: "outcome" });
    const outcomeBtn = h("button.secondary", { type: "button" }, "Lưu kết quả xử lý");
    outcomeBtn.addEventListener("click", () =>
      patch(outcomeBtn, { outcome: outcomeSel.value || null }, "Đã lưu kết quả xử lý."),
    );
    const me = (ctx.me && ctx.me.username) || "";
    const assignBtn = h("button.secondary", { type: "button" }, c.assignee === me ? "Bỏ nhận xử lý" : "Tôi nhận xử lý");
    assignBtn.addEventListener("click", () =>
      patch(assignBtn, { assignee: c.assignee === me ? null : me }, c.assignee === me ? "Đã bỏ nhận xử lý." : "Anh/chị đã nhận xử lý tin báo này."),
    );
    // Assign to any officer of the unit handling the case (the API lists them and checks the choice).
    const assigneeSel = select([["", "— Chưa phân công —"], ...(c.assignee ? [[c.assignee, c.assignee]] : [])], c.assignee || "", { name: "assignee" });
    const assignOther = h("button.secondary", { type: "button" }, "Phân công");
    api("/officers", { query: { unit_id: c.unit_id } })
      .then((d) => {
        const officers = listOf(d, "officers").filter((o) => (o.roles || []).some((r) => r === "officer" || r === "commander") && o.enabled !== false);
        clear(assigneeSel, h("option", { value: "" }, "— Chưa phân công —"),
          officers.map((o) => h("option", { value: o.username, selected: o.username === c.assignee }, o.display_name ? `${o.display_name} (${o.username})` : o.username)));
      })
      .catch(() => {});
    assignOther.addEventListener("click", () =>
      patch(assignOther, { assignee: assigneeSel.value || null }, assigneeSel.value ? `Đã phân công cho ${assigneeSel.value}.` : "Đã bỏ phân công."),
    );

    // Block a prankster: new messages are kept in the log but open no case (audited; reversible).
    const blockBox = h("div.block-box");
    const drawBlock = (blocked) => {
      const reason = h("input", { name: "block_reason", maxlength: 500, placeholder: "Lý do (ví dụ: nhắn trêu nhiều lần)" });
      const button = h(blocked ? "button.secondary" : "button.danger", { type: "button" }, blocked ? "Bỏ chặn người báo" : "Chặn người báo");
      button.addEventListener("click", () => busy(button, async () => {
        if (blocked) {
          await api(`/tips/${encodeURIComponent(caseId)}/block`, { method: "DELETE" });
          toast("Đã bỏ chặn người báo.");
        } else {
          if (reason.value.trim().length < 5) return toast("Vui lòng ghi lý do chặn (ít nhất 5 ký tự).", "error");
          await api(`/tips/${encodeURIComponent(caseId)}/block`, { method: "POST", body: { reason: reason.value.trim() } });
          toast("Đã chặn người báo: tin nhắn mới được lưu nhưng không tạo tin báo.");
        }
        drawBlock(!blocked);
      }));
      clear(blockBox, blocked ? h("p.small.warn-text", "Người báo này đang bị chặn.") : field("Lý do chặn", reason), button);
    };
    api(`/tips/${encodeURIComponent(caseId)}/block`).then((d) => drawBlock(Boolean(d.blocked))).catch(() => clear(blockBox));

    // Possible duplicates found at intake; merge this case into one of them.
    const dupBox = h("div");
    api(`/tips/${encodeURIComponent(caseId)}/duplicates`)
      .then((d) => {
        const items = listOf(d);
        if (!items.length || c.merged_into) return;
        clear(dupBox, h("div.card.duplicates", h("h2", "Có thể trùng với"),
          h("ul.plain-list", items.map((dup) => {
            const button = h("button.secondary", { type: "button" }, "Gộp vào tin này");
            button.addEventListener("click", () => {
              if (!window.confirm(`Gộp tin báo ${c.code} vào ${dup.code}? Tin báo này sẽ rời khỏi hộp tin đang xử lý.`)) return undefined;
              return busy(button, async () => {
                await api(`/tips/${encodeURIComponent(caseId)}/merge`, { method: "POST", body: { into: dup.case_id } });
                toast(`Đã gộp vào tin báo ${dup.code}.`);
                await load();
              });
            });
            return h("li.dup", h("div", h("a", { href: `#/case/${encodeURIComponent(dup.case_id)}` }, h("strong", dup.code)), " ", statusBadge(dup.status), h("p.small", dup.summary), h("small.muted", formatTime(dup.created_at))), button);
          }))));
      })
      .catch(() => {});

    // --- forward
    const others = (ctx.units || []).filter((u) => u.unit_id !== c.unit_id);
    const forwardSel = select([["", "— Chọn đơn vị —"], ...others.map((u) => [u.unit_id, u.name])], "", { name: "forward_unit" });
    const forwardNote = h("textarea", { rows: 2, name: "forward_note", placeholder: "Lý do chuyển (bắt buộc nên ghi)" });
    const infoOnly = h("input", { type: "checkbox", name: "info_only" });
    const forwardBtn = h("button.secondary", { type: "button" }, "Chuyển đơn vị");
    forwardBtn.addEventListener("click", () => {
      if (!forwardSel.value) return toast("Vui lòng chọn đơn vị nhận.", "error");
      return busy(forwardBtn, async () => {
        const body = infoOnly.checked
          ? { info_unit_ids: [forwardSel.value], note: forwardNote.value.trim() || undefined, version: currentVersion }
          : { unit_id: forwardSel.value, note: forwardNote.value.trim() || undefined, version: currentVersion };
        await api(`/tips/${encodeURIComponent(caseId)}/forward`, { method: "POST", body });
        toast(infoOnly.checked ? "Đã gửi bản sao để biết cho đơn vị." : `Đã chuyển tin báo cho ${ctx.unitName(forwardSel.value)}.`);
        await load();
      });
    });

    // --- reply
    const replyText = h("textarea", { rows: 3, name: "reply", maxlength: 2000, placeholder: "Nội dung trả lời người báo (gửi qua Zalo OA)" });
    const cannedSel = h("select", { name: "canned", "aria-label": "Mẫu trả lời" }, h("option", { value: "" }, "Chèn mẫu trả lời…"));
    cannedSel.addEventListener("change", () => {
      const pick = (canned || []).find((item) => String(item.id || item.canned_id) === cannedSel.value);
      if (pick) {
        replyText.value = replyText.value ? `${replyText.value}\n${pick.text}` : pick.text;
        replyText.focus();
      }
      cannedSel.value = "";
    });
    const fillCanned = (items) => {
      canned = items;
      cannedSel.append(...items.map((item) => h("option", { value: item.id || item.canned_id }, item.title || item.text.slice(0, 40))));
    };
    if (canned) fillCanned(canned);
    else api("/canned-replies").then((d) => fillCanned(listOf(d, "canned_replies"))).catch(() => cannedSel.remove());
    const replyBtn = h("button.primary", { type: "submit" }, "Gửi trả lời");
    const replyTier = replyTierNote(`/tips/${encodeURIComponent(caseId)}`); // free reply or proactive, before sending
    const replyForm = h("form.reply", field("Trả lời người báo", replyText), replyTier.element, h("div.actions", cannedSel, replyBtn));
    let replyKey = idempotencyKey();
    replyText.addEventListener("input", () => (replyKey = idempotencyKey()));
    replyForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = replyText.value.trim();
      if (!text) return toast("Vui lòng nhập nội dung trả lời.", "error");
      return busy(replyBtn, async () => {
        await api(`/tips/${encodeURIComponent(caseId)}/replies`, {
          method: "POST",
          body: { text, idempotency_key: replyKey },
        });
        replyKey = idempotencyKey();
        replyText.value = "";
        toast("Đã gửi trả lời tới người báo qua Zalo.");
        await load();
      });
    });

    // --- notes
    const noteText = h("textarea", { rows: 2, name: "note", placeholder: "Ghi chú nội bộ — người báo không thấy" });
    const noteBtn = h("button.secondary", { type: "submit" }, "Lưu ghi chú");
    const noteForm = h("form.note-form", field("Ghi chú nội bộ", noteText), noteBtn);
    noteForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = noteText.value.trim();
      if (!text) return toast("Vui lòng nhập nội dung ghi chú.", "error");
      return busy(noteBtn, async () => {
        await api(`/tips/${encodeURIComponent(caseId)}/notes`, { method: "POST", body: { text } });
        toast("Đã lưu ghi chú nội bộ.");
        await load();
      });
    });

    // --- unseal the tipster's identity (commanders; the API records it in the audit trail)
    function revealCard() {
      const reason = h("textarea", { rows: 2, name: "reveal_reason", minlength: 10, maxlength: 1000 });
      const out = h("div", { "aria-live": "polite" });
      const button = h("button.danger", { type: "submit" }, "Xem danh tính người báo");
      const form = h("form", field("Lý do (bắt buộc, được ghi nhật ký)", reason, "Ít nhất 10 ký tự."), button, out);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (reason.value.trim().length < 10) return toast("Vui lòng ghi rõ lý do (ít nhất 10 ký tự).", "error");
        return busy(button, async () => {
          const who = await api(`/tips/${encodeURIComponent(caseId)}/reveal`, { method: "POST", body: { reason: reason.value.trim() } });
          const fields = Object.entries(who || {}).filter(([, v]) => v !== null && typeof v !== "object");
          clear(out, h("dl", fields.map(([k, v]) => [h("dt", k), h("dd", String(v))])));
        });
      });
      return h("details.card", h("summary", h("h2", "Danh tính người báo")), h("p.small.muted", "Chỉ chỉ huy được xem; mọi lần xem đều được ghi vào nhật ký."), form);
    }

    // --- audit (loaded on demand: it can be long)
    const auditBox = h("div");
    const auditDetails = h("details.card", h("summary", h("h2", "Nhật ký thao tác")), auditBox);
    auditDetails.addEventListener("toggle", async () => {
      if (!auditDetails.open || auditBox.dataset.loaded) return;
      clear(auditBox, loading());
      try {
        const entries = listOf(await api(`/tips/${encodeURIComponent(caseId)}/audit`), "audit", "entries");
        auditBox.dataset.loaded = "1";
        clear(auditBox, entries.length ? h("ol.history", entries.map((e) => historyLine(e, ctx.unitName))) : h("p.muted", "Chưa có thao tác nào."));
      } catch (err) {
        clear(auditBox, errorBox(err));
      }
    });

    const thread = h("ol.thread", { "aria-label": "Hội thoại với người báo" }, conversation.map(messageBubble));
    clear(
      main,
      h(
        "p.back",
        h("a", { href: "#/inbox" }, "← Về hộp tin báo"),
        fullAccess ? h("a.jump", { href: "#xu-ly", onclick: (e) => { e.preventDefault(); document.getElementById("xu-ly").scrollIntoView(); document.getElementById("xu-ly").focus(); } }, "Đến phần xử lý ↓") : null,
        h("button.link", { type: "button", onclick: load }, "↻ Tải lại"),
      ),
      h(
        "div.page-head",
        h("h1", `Tin báo ${c.code || caseId}`),
        h("div.badges", c.urgent ? h("span.badge.urgent-badge", "KHẨN") : null, statusBadge(c.status), c.valuable ? h("span.badge.valuable", "Có giá trị") : null),
        fullAccess ? shortcutHint() : null,
      ),
      h("p.presence#presence", { role: "status", hidden: true }),
      c.merged_into ? h("p.alert", { role: "note" }, "Tin báo này đã được gộp vào ", h("a", { href: `#/case/${encodeURIComponent(c.merged_into)}` }, "tin báo gốc"), ".") : null,
      c.urgent && (c.urgent_terms || []).length
        ? h("p.alert", { role: "note" }, `Từ khóa khẩn: ${c.urgent_terms.join(", ")}. Người báo đã được hướng dẫn gọi ${({ fire: "114", medical: "115", rescue: "112" })[c.emergency_class] || "113"}.`)
        : null,
      h(
        "div.case-grid",
        h(
          "section.col-main",
          h(
            "div.card.facts",
            h("dl",
              h("dt", "Đơn vị xử lý"), h("dd", ctx.unitName(c.unit_id)),
              h("dt", "Người báo"), h("dd", c.pseudonym || "Ẩn danh"),
              h("dt", "Tiếp nhận"), h("dd", formatTime(c.created_at)),
              h("dt", "Phụ trách"), h("dd", c.assignee || "Chưa có"),
              c.outcome ? [h("dt", "Kết quả"), h("dd", OUTCOME_LABELS[c.outcome] || c.outcome)] : null,
              (c.info_units || []).length ? [h("dt", "Đơn vị nhận bản sao"), h("dd", c.info_units.map(ctx.unitName).join(", "))] : null,
            ),
          ),
          h("div.card", h("h2", "Hội thoại"), conversation.length ? thread : h("p.muted", "Chưa có tin nhắn."), fullAccess ? replyForm : null),
          media.length ? h("div.card", h("h2", `Ảnh, video, tệp (${media.length})`), h("ul.media", media.map(mediaItem))) : null,
          h("div.card", h("h2", "Vị trí"), locationBox(c.location, c.address)),
        ),
        h(
          "aside.col-side",
          fullAccess
            ? [
                h(
                  "div.card.actions-card#xu-ly",
                  { tabindex: "-1" },
                  h("h2", "Xử lý"),
                  field("Trạng thái", statusSel),
                  statusBtn,
                  h("div.spacer"),
                  valuableBtn,
                  assignBtn,
                  field("Phân công cho", assigneeSel),
                  assignOther,
                  field("Kết quả xử lý", outcomeSel),
                  outcomeBtn,
                ),
                h(
                  "div.card",
                  h("h2", "Chuyển đơn vị"),
                  others.length
                    ? [field("Đơn vị nhận", forwardSel), h("label.check", infoOnly, " Chỉ gửi bản sao để biết"), field("Ghi chú khi chuyển", forwardNote), forwardBtn]
                    : h("p.muted", "Không có đơn vị khác để chuyển."),
                ),
              ]
            : h("div.card.notice", h("h2", "Bản sao để biết"), h("p", `Tin báo do ${ctx.unitName(c.unit_id)} xử lý; đơn vị anh/chị nhận bản sao để nắm tình hình và có thể ghi chú.`)),
          fullAccess ? dupBox : null,
          fullAccess ? h("details.card", h("summary", h("h2", "Chặn người báo")), h("p.small.muted", "Dùng khi người báo nhắn trêu, quấy rối. Mọi lần chặn/bỏ chặn đều được ghi nhật ký."), blockBox) : null,
          ctx.me && ctx.me.can_reveal && fullAccess ? revealCard() : null,
          h(
            "div.card",
            h("h2", "Ghi chú nội bộ"),
            notes.length
              ? h("ul.notes", notes.map((n) => h("li", h("p", n.text), h("small.muted", `${n.by || n.author || ""} · ${formatTime(n.at || n.created_at)}`))))
              : h("p.muted", "Chưa có ghi chú."),
            noteForm,
          ),
          h("div.card", h("h2", "Diễn biến"), history.length ? h("ol.history", history.map((e) => historyLine(e, ctx.unitName))) : h("p.muted", "Chưa có diễn biến.")),
          auditDetails,
        ),
      ),
    );
    // Show the latest message by scrolling the thread box only: scrolling the page would hide the
    // case header under the sticky bar on a phone.
    thread.scrollTop = thread.scrollHeight;

    if (fullAccess) {
      removeKeys();
      removeKeys = useShortcuts([
        { key: "r", label: "Trả lời người báo", run: () => replyText.focus() },
        { key: "n", label: "Ghi chú nội bộ", run: () => noteText.focus() },
        {
          key: "e",
          label: "Chuyển sang “Đã giải quyết”",
          run: () => {
            if (!statusOptions.some(([key]) => key === "resolved")) return toast("Tin báo chưa thể chuyển sang “Đã giải quyết” từ trạng thái hiện tại.", "error");
            statusSel.value = "resolved";
            return statusBtn.click();
          },
        },
        { key: "u", label: "Về hộp tin báo", run: () => { location.hash = "#/inbox"; } },
      ]);
    }
  }
  let removeKeys = () => {};

  load();
  return () => {
    disposed = true;
    clearTimeout(presenceTimer);
    removeKeys();
  };
}
