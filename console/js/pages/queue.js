// The day's queue at a desk: numbers issued through Zalo for a place and day, in number order.
import { api, listOf } from "../api.js";
import { clear, empty, errorBox, field, formatNumber, formatTime, h, loading, select, vnDay } from "../dom.js";

const TICKET_LABELS = { active: "Đang chờ", cancelled: "Đã hủy", served: "Đã phục vụ", expired: "Hết hiệu lực" };

export function render(main, { query }, ctx) {
  const day = h("input", { type: "date", name: "day", value: query.get("day") || vnDay(0) });
  const placeBox = h("span");
  const body = h("div", loading("Đang tải điểm lấy số…"));
  clear(main, h("div.page-head", h("h1", "Số thứ tự trong ngày")), h("form.filters.card", { "aria-label": "Chọn điểm và ngày" }, placeBox, field("Ngày", day)), body);
  let placeSel = null;

  async function show() {
    if (!placeSel || !placeSel.value) return;
    clear(body, loading());
    try {
      const d = await api(`/queue/places/${encodeURIComponent(placeSel.value)}/days/${day.value}`);
      const tickets = listOf(d, "tickets");
      clear(body,
        h("ul.tiles", [["Đã cấp", d.issued], ["Đang chờ", d.active], ["Chỉ tiêu trong ngày", d.capacity]].map(([name, n]) => h("li.tile", h("span.value", formatNumber(n)), h("span.name", name)))),
        tickets.length
          ? h("div.card.table-wrap", h("table.tickets", h("thead", h("tr", ["Số", "Trạng thái", "Lấy lúc"].map((t) => h("th", { scope: "col" }, t)))),
              h("tbody", tickets.map((t) => h("tr", h("th", { scope: "row" }, String(t.number)), h("td", TICKET_LABELS[t.status] || t.status), h("td", formatTime(t.created_at)))))))
          : empty("Chưa có ai lấy số cho ngày này."));
    } catch (err) {
      if (err.status !== 401) clear(body, errorBox(err, show));
    }
  }

  api("/queue/places")
    .then((d) => {
      const places = listOf(d, "places");
      if (!places.length) return clear(body, empty("Đơn vị chưa có điểm lấy số.", "Quản trị viên thêm điểm lấy số cho đơn vị."));
      placeSel = select(places.map((p) => [p.place_id, `${p.name}${p.unit_id ? ` — ${ctx.unitName(p.unit_id)}` : ""}`]), query.get("place") || places[0].place_id, { name: "place" });
      clear(placeBox, field("Điểm lấy số", placeSel));
      placeSel.addEventListener("change", show);
      return show();
    })
    .catch((err) => clear(body, errorBox(err)));
  day.addEventListener("change", show);
}
