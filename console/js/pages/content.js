// Notices (wanted / missing person / general) and the procedure knowledge base, with "try the bot".
import { api, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, formatTime, h, loading, select, toast } from "../dom.js";

const NOTICE_KINDS = [
  ["wanted", "Thông báo truy nã"],
  ["missing", "Tìm người thân đi lạc, người mất tích"],
  ["general", "Thông báo chung"],
];

const KB_PATH = "/kb/entries";

function tryBot() {
  const q = h("input", { type: "search", name: "q", placeholder: "Ví dụ: lam can cuoc cho con 14 tuoi" });
  const out = h("div", { "aria-live": "polite" });
  const button = h("button.primary", { type: "submit" }, "Hỏi thử");
  const form = h("form.card.trybot", h("h2", "Hỏi thử bot"), h("p.muted.small", "Gõ câu hỏi như người dân (có dấu hay không dấu) để xem bot chọn câu trả lời nào."), h("div.inline", field("Câu hỏi", q), button), out);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!q.value.trim()) return;
    busy(button, async () => {
      const data = await api("/faq/match", { query: { q: q.value.trim() } });
      const matches = listOf(data, "matches", "entries");
      const threshold = data && data.threshold;
      clear(
        out,
        matches.length
          ? h(
              "ol.matches",
              matches.slice(0, 5).map((m, i) =>
                h(
                  "li",
                  { class: i === 0 && (threshold === undefined || m.score >= threshold) ? "best" : "" },
                  h("strong", m.title || m.id),
                  h("span.muted", ` — điểm ${Number(m.score).toFixed(2)} (${m.id})`),
                  i === 0 && m.answer ? h("p.small", m.answer) : null,
                ),
              ),
            )
          : h("p", "Bot không tìm được câu trả lời phù hợp — câu hỏi sẽ được chuyển cho cán bộ."),
        threshold !== undefined ? h("p.small.muted", `Ngưỡng tự trả lời: ${threshold}`) : null,
      );
    });
  });
  return form;
}

function noticeEditor(notice, onSaved) {
  const isNew = !notice.notice_id && !notice.id;
  const id = notice.notice_id || notice.id;
  const kind = select(NOTICE_KINDS, notice.kind || "general", { name: "kind" });
  const title = h("input", { name: "title", value: notice.title || "", required: true, maxlength: 200 });
  const body = h("textarea", { name: "body", rows: 5, maxlength: 4000 });
  body.value = notice.body || notice.text || "";
  const photo = h("input", { name: "image_url", type: "url", value: notice.image_url || notice.photo_url || "", placeholder: "https://…" });
  const published = h("input", { type: "checkbox", name: "published", checked: notice.published !== false && !isNew });
  const save = h("button.primary", { type: "submit" }, isNew ? "Đăng thông báo" : "Lưu thay đổi");
  const form = h("form.editor", field("Loại", kind), field("Tiêu đề", title), field("Nội dung", body), field("Ảnh (liên kết)", photo), h("label.check", published, " Hiển thị cho người dân"), h("div.actions", save));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!title.value.trim()) return toast("Vui lòng nhập tiêu đề.", "error");
    return busy(save, async () => {
      const payload = { kind: kind.value, title: title.value.trim(), body: body.value.trim(), published: published.checked };
      if (photo.value.trim()) payload.image_url = photo.value.trim();
      await api(isNew ? "/notices" : `/notices/${encodeURIComponent(id)}`, { method: isNew ? "POST" : "PUT", body: payload });
      toast(isNew ? "Đã đăng thông báo." : "Đã lưu thông báo.");
      onSaved();
    });
  });
  return form;
}

function kbEditor(entry, onSaved) {
  const isNew = !entry.id && !entry.entry_id;
  const idInput = h("input", { name: "id", value: entry.id || entry.entry_id || "", required: true, pattern: "[a-z0-9-]+", readonly: !isNew });
  const title = h("input", { name: "title", value: entry.title || "", required: true });
  const questions = h("textarea", { name: "questions", rows: 3 });
  questions.value = (entry.questions || entry.examples || entry.keywords || []).join("\n");
  const answer = h("textarea", { name: "answer", rows: 6 });
  answer.value = entry.answer || "";
  const save = h("button.primary", { type: "submit" }, isNew ? "Thêm câu trả lời" : "Lưu thay đổi");
  const form = h("form.editor", field("Mã", idInput, "Chữ thường không dấu, nối bằng gạch ngang, ví dụ dang-ky-tam-tru."), field("Tiêu đề", title), field("Các cách hỏi (mỗi dòng một câu)", questions), field("Câu trả lời", answer), h("div.actions", save));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!idInput.value.trim() || !title.value.trim() || !answer.value.trim()) return toast("Vui lòng nhập mã, tiêu đề và câu trả lời.", "error");
    return busy(save, async () => {
      const payload = {
        ...(isNew ? { id: idInput.value.trim() } : {}),
        title: title.value.trim(),
        questions: questions.value.split("\n").map((s) => s.trim()).filter(Boolean),
        answer: answer.value.trim(),
      };
      const path = isNew ? KB_PATH : `${KB_PATH}/${encodeURIComponent(idInput.value.trim())}`;
      await api(path, { method: isNew ? "POST" : "PUT", body: payload });
      toast("Đã lưu câu trả lời. Bot dùng ngay nội dung mới.");
      onSaved();
    });
  });
  return form;
}

function listSection(title, path, listKeys, rowTitle, rowMeta, editor, blank) {
  const box = h("div", loading());
  const editBox = h("div");
  const add = h("button.secondary", { type: "button" }, "+ Thêm mới");
  const section = h("section.card", h("div.row-top", h("h2", title), add), editBox, box);
  async function load() {
    clear(editBox);
    try {
      const items = listOf(await api(path), ...listKeys);
      clear(
        box,
        items.length
          ? h(
              "ul.plain-list",
              items.map((item) => {
                const edit = h("button.link", { type: "button" }, "Sửa");
                edit.addEventListener("click", () => {
                  clear(editBox, h("div.card.inner", h("h3", `Sửa: ${rowTitle(item)}`), editor(item, load), h("button.link", { type: "button", onclick: () => clear(editBox) }, "Đóng")));
                  editBox.querySelector("input, textarea, select").focus();
                });
                return h("li", h("div", h("strong", rowTitle(item)), h("div.small.muted", rowMeta(item))), edit);
              }),
            )
          : empty("Chưa có mục nào."),
      );
    } catch (err) {
      if (err.status !== 401) clear(box, errorBox(err, load));
    }
  }
  add.addEventListener("click", () => {
    clear(editBox, h("div.card.inner", h("h3", "Thêm mới"), editor(blank, load), h("button.link", { type: "button", onclick: () => clear(editBox) }, "Đóng")));
    editBox.querySelector("input, textarea, select").focus();
  });
  load();
  return section;
}

export function render(main) {
  const kinds = Object.fromEntries(NOTICE_KINDS);
  clear(
    main,
    h("div.page-head", h("h1", "Thông báo và hỏi đáp thủ tục")),
    h(
      "div.case-grid",
      h(
        "section.col-main",
        listSection("Thông báo", "/notices", ["notices"], (n) => n.title || n.notice_id, (n) => `${kinds[n.kind] || n.kind || ""}${n.published === false ? " · đang ẩn" : ""}${n.updated_at ? ` · ${formatTime(n.updated_at)}` : ""}`, noticeEditor, { kind: "wanted" }),
        listSection("Câu trả lời thủ tục hành chính", KB_PATH, ["entries", "kb"], (e) => e.title || e.id, (e) => e.id || e.entry_id, kbEditor, {}),
      ),
      h("aside.col-side", tryBot()),
    ),
  );
}
