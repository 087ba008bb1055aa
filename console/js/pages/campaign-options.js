// Campaign form options beyond a text message: the kind of message (text, image, article) and who
// receives it (followers with a tag, followers who interacted recently). The API checks every rule.
import { field, h, select } from "../dom.js";

const KINDS = [["text", "Tin văn bản"], ["image", "Tin có ảnh"], ["article", "Bài viết (broadcast)"]];

export function campaignOptions(text) {
  const kind = select(KINDS, "text", { name: "kind", "aria-label": "Loại tin" });
  const imageUrl = h("input", { name: "image_url", type: "url", placeholder: "https://…/anh.jpg" });
  const title = h("input", { name: "article_title", maxlength: 150 });
  const description = h("input", { name: "article_description", maxlength: 300 });
  const cover = h("input", { name: "article_cover", type: "url", placeholder: "https://…/anh-bia.jpg" });
  const bodyText = h("textarea", { name: "article_body", rows: 5, maxlength: 100000 });
  const tags = h("input", { name: "tags", placeholder: "ví dụ: to-dan-pho-3, kinh-doanh" });
  const recent = h("input", { name: "interacted_within_days", type: "number", min: 1, max: 3650, inputmode: "numeric" });
  const imageBox = h("div", field("Địa chỉ ảnh", imageUrl, "Ảnh công khai (https), hiện kèm nội dung tin."));
  const articleBox = h("div", field("Tên bài viết", title), field("Mô tả ngắn", description), field("Ảnh bìa", cover), field("Nội dung bài viết", bodyText));
  const sync = () => {
    imageBox.hidden = kind.value !== "image";
    articleBox.hidden = kind.value !== "article";
    text.required = kind.value === "text";
  };
  kind.addEventListener("change", sync);
  sync();
  const element = h(
    "div.campaign-options",
    field("Loại tin", kind),
    imageBox,
    articleBox,
    h("details.targeting", h("summary", "Chọn người nhận theo nhãn hoặc tương tác gần đây"),
      field("Nhãn người quan tâm (cách nhau bởi dấu phẩy)", tags),
      field("Chỉ người đã tương tác trong … ngày", recent)),
  );

  /** Adds the chosen kind and targeting to a campaign request body; returns a problem or "". */
  function apply(body) {
    const chosenTags = tags.value.split(",").map((t) => t.trim()).filter(Boolean);
    if (chosenTags.length) body.tags = chosenTags;
    if (recent.value) body.interacted_within_days = Number(recent.value);
    if (kind.value === "image") {
      if (!imageUrl.value.trim()) return "Vui lòng nhập địa chỉ ảnh.";
      body.message.image_url = imageUrl.value.trim();
    } else if (kind.value === "article") {
      if (!title.value.trim() || !description.value.trim() || !cover.value.trim() || !bodyText.value.trim()) {
        return "Bài viết cần tên, mô tả, ảnh bìa và nội dung.";
      }
      body.message = { article: { title: title.value.trim(), description: description.value.trim(), cover_url: cover.value.trim(), body: bodyText.value.trim() } };
    }
    return "";
  }
  return { element, apply, kind };
}

/** "Người nhận": the per-recipient records of a campaign, by channel (pseudonyms, status, reason). */
export function deliveriesPanel(campaignId) {
  const box = h("div");
  let names = null;
  const details = h("details.small.deliveries", h("summary", "Người nhận (từng người)"), box);
  let loaded = false;
  async function load(oaId, cursor) {
    const { api, listOf } = await import("../api.js");
    const { clear, empty, errorBox, formatTime, loading } = await import("../dom.js");
    if (!cursor) clear(box, loading());
    try {
      const d = await api(`/campaigns/${encodeURIComponent(campaignId)}/deliveries`, { query: { oa_id: oaId, cursor } });
      if (!names) names = new Map(listOf(await api("/oas").catch(() => [])).map((o) => [o.oa_id, o.name]));
      const oaName = (id) => names.get(id) || id;
      const rows = listOf(d).map((r) => h("tr", h("td", r.recipient), h("td", r.status_label), h("td", r.reason_label || ""), h("td", formatTime(r.finished_at))));
      const oaSel = select((d.oa_ids || []).map((id) => [id, oaName(id)]), d.oa_id, { "aria-label": "Kênh" });
      oaSel.addEventListener("change", () => load(oaSel.value));
      const more = d.next_cursor ? h("button.link", { type: "button", onclick: () => load(d.oa_id, d.next_cursor) }, "Xem thêm") : null;
      if (cursor) {
        box.querySelector("tbody").append(...rows);
        box.querySelector(".more-box").replaceChildren(...(more ? [more] : []));
      } else {
        clear(box, (d.oa_ids || []).length > 1 ? oaSel : null,
          rows.length
            ? h("div.table-wrap", h("table", h("thead", h("tr", ["Người nhận", "Kết quả", "Lý do", "Lúc"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", rows)))
            : empty("Chưa có người nhận nào được ghi nhận."),
          h("div.more-box", more));
      }
    } catch (err) {
      clear(box, errorBox(err));
    }
  }
  details.addEventListener("toggle", () => {
    if (details.open && !loaded) {
      loaded = true;
      load();
    }
  });
  return details;
}
