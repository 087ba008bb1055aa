// Editors' library pages shown on #/content: canned replies (offered to a unit and those under it, or to
// everyone) and the security-news links each channel shows citizens. Every change goes through the API.
import { api, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, formatTime, h, loading, select, toast } from "../dom.js";

export function cannedSection(ctx) {
  const box = h("div", loading("Đang tải mẫu trả lời…"));
  const units = ctx.visibleUnits || ctx.units || [];
  const title = h("input", { name: "canned_title", maxlength: 120, required: true });
  const text = h("textarea", { name: "canned_text", rows: 3, maxlength: 2000, required: true });
  const unit = select([["", "Mọi đơn vị"], ...units.map((u) => [u.unit_id, u.name])], "", { name: "canned_unit" });
  const save = h("button.primary", { type: "submit" }, "Lưu mẫu trả lời");
  const cancel = h("button.secondary", { type: "button", hidden: true }, "Thôi sửa");
  let editing = null;
  const form = h("form.card.inner", field("Tên mẫu", title), field("Lời trả lời mẫu", text, "Lời lẽ lịch sự, có dấu; không dùng từ kỹ thuật."), field("Dùng cho", unit), h("div.actions", save, cancel));
  const reset = () => {
    editing = null;
    form.reset();
    cancel.hidden = true;
    save.textContent = "Lưu mẫu trả lời";
  };
  cancel.addEventListener("click", reset);
  async function load() {
    try {
      const items = listOf(await api("/canned-replies"), "canned_replies");
      clear(box, items.length
        ? h("ul.plain-list.canned-list", items.map((item) => {
            const id = item.id || item.canned_id;
            const edit = h("button.link", { type: "button" }, "Sửa");
            edit.addEventListener("click", () => {
              editing = id;
              title.value = item.title || "";
              text.value = item.text || "";
              unit.value = item.unit_id || "";
              cancel.hidden = false;
              save.textContent = "Lưu thay đổi";
              title.focus();
            });
            const remove = h("button.link.danger-text", { type: "button" }, "Xóa");
            remove.addEventListener("click", () => {
              if (!window.confirm(`Xóa mẫu trả lời “${item.title}”?`)) return undefined;
              return busy(remove, async () => {
                await api(`/canned-replies/${encodeURIComponent(id)}`, { method: "DELETE" });
                toast("Đã xóa mẫu trả lời.");
                await load();
              });
            });
            return h("li.canned", { dataset: { id } },
              h("div", h("strong", item.title), h("p.small", item.text), h("small.muted", item.unit_id ? ctx.unitName(item.unit_id) : "Mọi đơn vị")),
              h("div.actions", edit, remove));
          }))
        : empty("Chưa có mẫu trả lời nào."));
    } catch (err) {
      if (err.status !== 401) clear(box, errorBox(err, load));
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!title.value.trim() || !text.value.trim()) return toast("Vui lòng nhập tên và nội dung mẫu.", "error");
    return busy(save, async () => {
      const body = { title: title.value.trim(), text: text.value.trim(), unit_id: unit.value || null };
      if (editing) await api(`/canned-replies/${encodeURIComponent(editing)}`, { method: "PATCH", body });
      else await api("/canned-replies", { method: "POST", body: { ...body, unit_id: body.unit_id || undefined } });
      toast(editing ? "Đã lưu thay đổi." : "Đã thêm mẫu trả lời.");
      reset();
      await load();
    });
  });
  load();
  return h("section.card#canned", h("h2", "Mẫu trả lời"), h("p.small.muted", "Cán bộ chèn các mẫu này khi trả lời người báo tin."), box, h("details", h("summary", "Thêm hoặc sửa mẫu trả lời"), form));
}

export function newsSection(ctx, oas) {
  const mine = oas.filter((oa) => oa.visible !== false);
  const oaSel = select(mine.map((oa) => [oa.oa_id, oa.name || oa.oa_id]), mine[0] && mine[0].oa_id, { name: "news_oa", "aria-label": "Kênh Zalo" });
  const box = h("div");
  const title = h("input", { name: "news_title", minlength: 3, maxlength: 150, required: true });
  const url = h("input", { name: "news_url", type: "url", required: true, placeholder: "https://…" });
  const add = h("button.primary", { type: "submit" }, "Thêm tin");
  const form = h("form.card.inner", field("Tên bài viết", title), field("Đường dẫn bài viết", url), h("div.actions", add));
  async function load() {
    if (!oaSel.value) return clear(box, empty("Chưa có kênh Zalo nào của đơn vị."));
    clear(box, loading());
    try {
      const items = listOf(await api(`/news/${encodeURIComponent(oaSel.value)}`, { query: { limit: 20 } }), "news", "links");
      clear(box, items.length
        ? h("ul.plain-list", items.map((n) => {
            const id = n.news_id || n.id;
            const remove = id && !String(id).startsWith("default-") ? h("button.link.danger-text", { type: "button" }, "Gỡ") : null;
            if (remove) remove.addEventListener("click", () => busy(remove, async () => {
              await api(`/news/${encodeURIComponent(oaSel.value)}/${encodeURIComponent(id)}`, { method: "DELETE", raw: true });
              toast("Đã gỡ tin.");
              await load();
            }));
            return h("li", h("div", h("a", { href: n.url, target: "_blank", rel: "noopener noreferrer" }, n.title), n.published_at ? h("small.muted", ` · ${formatTime(n.published_at)}`) : null), remove);
          }))
        : empty("Kênh này chưa có tin an ninh nào."));
    } catch (err) {
      if (err.status !== 401) clear(box, errorBox(err, load));
    }
    return undefined;
  }
  oaSel.addEventListener("change", load);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    return busy(add, async () => {
      await api(`/news/${encodeURIComponent(oaSel.value)}`, { method: "POST", body: { title: title.value.trim(), url: url.value.trim() } });
      toast("Đã thêm tin an ninh.");
      form.reset();
      await load();
    });
  });
  load();
  return h("section.card#news", h("h2", "Tin an ninh trên kênh Zalo"), h("p.small.muted", "Người dân thấy các tin mới nhất khi chọn “Tin an ninh” trong trình đơn."), field("Kênh", oaSel), box, h("details", h("summary", "Thêm tin an ninh"), form));
}
