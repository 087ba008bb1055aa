// Wanted / missing-person notices and the procedure knowledge base, with a "try the bot" box.
import { api, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, formatTime, h, loading, select, toast } from "../dom.js";
import { cannedSection, newsSection } from "./library.js";

const NOTICE_KINDS = [
  ["wanted", "Thông báo truy nã"],
  ["missing", "Tìm người thân đi lạc, người mất tích"],
];
const NOTICE_STATUS = [
  ["published", "Đang hiển thị cho người dân"],
  ["withdrawn", "Đã gỡ"],
];

const lines = (value) => (Array.isArray(value) ? value.join("\n") : value || "");
const toList = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

function tryBot() {
  const q = h("input", { type: "search", name: "q", placeholder: "Ví dụ: lam can cuoc cho con 14 tuoi" });
  const out = h("div", { "aria-live": "polite" });
  const button = h("button.primary", { type: "submit" }, "Hỏi thử");
  const form = h(
    "form.card.trybot",
    h("h2", "Hỏi thử bot"),
    h("p.muted.small", "Gõ câu hỏi như người dân (có dấu hay không dấu) để xem bot chọn câu trả lời nào."),
    h("div.inline", field("Câu hỏi", q), button),
    out,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!q.value.trim()) return;
    busy(button, async () => {
      const data = await api("/faq/match", { query: { q: q.value.trim() } });
      const matches = listOf(data, "matches");
      const threshold = data && data.threshold;
      const best = data && data.best;
      clear(
        out,
        best
          ? h("p.ok-text", "Bot sẽ tự trả lời bằng mục được đánh dấu.")
          : h("p.warn-text", "Bot chưa đủ chắc chắn — câu hỏi sẽ được chuyển cho cán bộ. Hãy thêm cách hỏi này vào mục phù hợp."),
        matches.length
          ? h(
              "ol.matches",
              matches.map((m) =>
                h(
                  "li",
                  { class: m.id === best ? "best" : "" },
                  h("strong", m.title || m.id),
                  h("span.muted", ` — điểm ${Number(m.score).toFixed(2)} (${m.id})`),
                ),
              ),
            )
          : null,
        threshold !== undefined ? h("p.small.muted", `Ngưỡng tự trả lời: ${threshold}`) : null,
      );
    });
  });
  return form;
}

function noticeEditor(notice, onSaved) {
  const isNew = !notice.notice_id;
  const kind = select(NOTICE_KINDS, notice.kind || "wanted", { name: "kind" });
  const title = h("input", { name: "title", value: notice.title || "", required: true, minlength: 3, maxlength: 200 });
  const name = h("input", { name: "name", value: notice.name || "", maxlength: 200 });
  const description = h("textarea", { name: "description", rows: 5, maxlength: 1500 });
  description.value = notice.description || "";
  const photo = h("input", { name: "photo_url", type: "url", value: notice.photo_url || "", placeholder: "https://…" });
  const contact = h("input", { name: "contact", value: notice.contact || "", maxlength: 300 });
  const status = select(NOTICE_STATUS, notice.status || "published", { name: "status" });
  const save = h("button.primary", { type: "submit" }, isNew ? "Đăng thông báo" : "Lưu thay đổi");
  const form = h(
    "form.editor",
    field("Loại", kind),
    field("Tiêu đề", title),
    field("Họ tên người bị truy nã / người cần tìm", name),
    field("Mô tả (đặc điểm, thời gian, nơi xuất hiện lần cuối)", description),
    field("Ảnh (liên kết https)", photo),
    field("Liên hệ khi có thông tin", contact),
    field("Trạng thái", status),
    h("div.actions", save),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (title.value.trim().length < 3) return toast("Vui lòng nhập tiêu đề (ít nhất 3 ký tự).", "error");
    return busy(save, async () => {
      const payload = {
        kind: kind.value,
        title: title.value.trim(),
        name: name.value.trim(),
        description: description.value.trim(),
        contact: contact.value.trim(),
        status: status.value,
      };
      if (photo.value.trim()) payload.photo_url = photo.value.trim();
      await api(isNew ? "/notices" : `/notices/${encodeURIComponent(notice.notice_id)}`, { method: isNew ? "POST" : "PATCH", body: payload });
      toast(isNew ? "Đã đăng thông báo." : "Đã lưu thông báo.");
      onSaved();
    });
  });
  return form;
}

const KB_FIELDS = [
  ["title", "Tiêu đề", "input"],
  ["summary", "Tóm tắt câu trả lời", "textarea"],
  ["steps", "Các bước (mỗi dòng một bước)", "list"],
  ["documents", "Hồ sơ cần chuẩn bị (mỗi dòng một giấy tờ)", "list"],
  ["where", "Nơi nộp", "input"],
  ["fee", "Lệ phí", "input"],
  ["time_limit", "Thời hạn giải quyết", "input"],
  ["link", "Liên kết Cổng dịch vụ công", "input"],
  ["examples", "Các cách người dân hay hỏi (mỗi dòng một câu)", "list"],
  ["keywords", "Từ khóa (mỗi dòng một từ)", "list"],
];

function kbEditor(entry, onSaved) {
  const isNew = !entry.id;
  const idInput = h("input", { name: "id", value: entry.id || "", required: true, pattern: "[a-z0-9-]+", readonly: !isNew });
  const controls = {};
  const fields = KB_FIELDS.map(([key, label, kind]) => {
    const control = kind === "input" ? h("input", { name: key, value: entry[key] || "" }) : h("textarea", { name: key, rows: kind === "list" ? 4 : 3 });
    if (kind !== "input") control.value = lines(entry[key]);
    controls[key] = [control, kind];
    return field(label, control);
  });
  const save = h("button.primary", { type: "submit" }, isNew ? "Thêm mục hỏi đáp" : "Lưu thay đổi");
  const form = h("form.editor", field("Mã", idInput, "Chữ thường không dấu, nối bằng gạch ngang, ví dụ dang-ky-tam-tru."), fields, h("div.actions", save));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = idInput.value.trim();
    if (!/^[a-z0-9-]+$/.test(id)) return toast("Mã chỉ gồm chữ thường không dấu, số và gạch ngang.", "error");
    if (controls.title[0].value.trim().length < 3) return toast("Vui lòng nhập tiêu đề (ít nhất 3 ký tự).", "error");
    return busy(save, async () => {
      const payload = {};
      for (const [key, [control, kind]] of Object.entries(controls)) {
        payload[key] = kind === "list" ? toList(control.value) : control.value.trim();
      }
      await api(`/kb/entries/${encodeURIComponent(id)}`, { method: "PUT", body: payload });
      toast("Đã lưu. Bot dùng ngay nội dung mới.");
      onSaved();
    });
  });
  return form;
}

function listSection(title, path, rowTitle, rowMeta, openEditor, blank) {
  const box = h("div", loading());
  const editBox = h("div");
  const add = h("button.secondary", { type: "button" }, "+ Thêm mới");
  const section = h("section.card", h("div.row-top", h("h2", title), add), editBox, box);
  const show = (heading, form) => {
    clear(editBox, h("div.card.inner", h("h3", heading), form, h("button.link", { type: "button", onclick: () => clear(editBox) }, "Đóng")));
    editBox.querySelector("input, textarea, select").focus();
  };
  async function load() {
    clear(editBox);
    try {
      const items = listOf(await api(path));
      clear(
        box,
        items.length
          ? h(
              "ul.plain-list",
              items.map((item) => {
                const edit = h("button.link", { type: "button", "aria-label": `Sửa ${rowTitle(item)}` }, "Sửa");
                edit.addEventListener("click", () => busy(edit, async () => show(`Sửa: ${rowTitle(item)}`, await openEditor(item, load))));
                return h("li", h("div", h("strong", rowTitle(item)), h("div.small.muted", rowMeta(item))), edit);
              }),
            )
          : empty("Chưa có mục nào."),
      );
    } catch (err) {
      if (err.status !== 401) clear(box, errorBox(err, load));
    }
  }
  add.addEventListener("click", async () => show("Thêm mới", await openEditor(blank, load)));
  load();
  return section;
}

export function render(main, params, ctx) {
  const newsBox = h("div", loading());
  const kinds = Object.fromEntries(NOTICE_KINDS);
  clear(
    main,
    h("div.page-head", h("h1", "Thông báo và hỏi đáp thủ tục")),
    h(
      "div.case-grid",
      h(
        "section.col-main",
        listSection(
          "Thông báo truy nã, tìm người",
          "/notices",
          (n) => n.title || n.notice_id,
          (n) => `${kinds[n.kind] || n.kind || ""}${n.status === "withdrawn" ? " · đã gỡ" : ""}${n.published_at ? ` · ${formatTime(n.published_at)}` : ""}`,
          (n, onSaved) => noticeEditor(n, onSaved),
          { kind: "wanted" },
        ),
        listSection(
          "Hỏi đáp thủ tục hành chính",
          "/kb/entries",
          (e) => e.title || e.id,
          (e) => `${e.id}${e.edited ? " · đã sửa so với bản gốc" : ""}`,
          async (e, onSaved) => kbEditor(e.id ? await api(`/kb/entries/${encodeURIComponent(e.id)}`) : e, onSaved),
          {},
        ),
      ),
      h("aside.col-side", tryBot(), cannedSection(ctx), newsBox),
    ),
  );
  api("/oas").then((d) => clear(newsBox, newsSection(ctx, listOf(d, "oas")))).catch((err) => clear(newsBox, errorBox(err)));
}
