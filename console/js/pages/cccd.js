// CCCD (citizen ID) application records: CSV import with a per-row error report.
import { api } from "../api.js";
import { busy, clear, errorBox, field, formatNumber, formatTime, h, toast } from "../dom.js";

const HEADER = "receipt_no,full_name,dob,status,ready_at,pickup_place";

export function render(main) {
  const file = h("input", { type: "file", name: "csv", accept: ".csv,text/csv", required: true });
  const submit = h("button.primary", { type: "submit" }, "Nhập dữ liệu");
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form.card",
    h("h2", "Nhập danh sách hồ sơ căn cước (CSV)"),
    h("p", "Tệp CSV mã hóa UTF-8, dòng đầu là tiêu đề cột:"),
    h("pre.mono", HEADER),
    h("p.small.muted", "Ngày sinh dạng dd/mm/yyyy. Người dân tra cứu bằng tin nhắn “CCCD <số biên nhận> <ngày sinh>”."),
    field("Chọn tệp", file),
    h("div.actions", submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = file.files && file.files[0];
    if (!chosen) return toast("Vui lòng chọn tệp CSV.", "error");
    return busy(submit, async () => {
      const report = await api("/cccd/imports", { method: "POST", body: chosen, headers: { "Content-Type": "text/csv" } });
      const errors = (report && (report.errors || report.row_errors)) || [];
      const imported = report.imported ?? report.accepted ?? report.ok ?? 0;
      clear(
        result,
        h(
          "div.card",
          { role: "status" },
          h("h2", "Kết quả nhập"),
          h("p", h("strong", formatNumber(imported)), " dòng đã nhập", report.total !== undefined ? ` / ${formatNumber(report.total)} dòng` : "", errors.length ? `, ${formatNumber(report.rejected ?? errors.length)} dòng lỗi.` : ". Không có lỗi."),
          errors.length
            ? h(
                "div.table-wrap",
                h(
                  "table",
                  h("caption", "Các dòng bị lỗi (sửa trong tệp rồi nhập lại các dòng này)"),
                  h("thead", h("tr", h("th", { scope: "col" }, "Dòng"), h("th", { scope: "col" }, "Số biên nhận"), h("th", { scope: "col" }, "Lỗi"))),
                  h("tbody", errors.map((e) => h("tr", h("td", e.line ?? e.row ?? ""), h("td", e.receipt_no ?? e.field ?? ""), h("td", e.error ?? e.message ?? String(e))))),
                ),
              )
            : null,
          report.errors_truncated ? h("p.small.muted", "Chỉ hiện một phần các dòng lỗi; sửa các dòng này rồi nhập lại để xem tiếp.") : null,
        ),
      );
      toast(errors.length ? "Đã nhập, có dòng bị lỗi." : "Đã nhập xong.", errors.length ? "info" : "ok");
    });
  });
  clear(main, h("div.page-head", h("h1", "Hồ sơ căn cước")), searchCard(), form, result);
}

/** Find an imported record by receipt number (the unit's own records; name masked, no birth date). */
function searchCard() {
  const receipt = h("input", { name: "receipt_no", required: true, minlength: 4, maxlength: 40, autocapitalize: "characters" });
  const button = h("button.primary", { type: "submit" }, "Tìm hồ sơ");
  const out = h("div", { "aria-live": "polite" });
  const form = h("form.card", h("h2", "Tìm hồ sơ đã nhập"), field("Số biên nhận", receipt), h("div.actions", button), out);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (receipt.value.trim().length < 4) return toast("Vui lòng nhập số biên nhận.", "error");
    return busy(button, async () => {
      try {
        const r = await api(`/cccd/records/${encodeURIComponent(receipt.value.trim())}`);
        clear(out, h("dl.record",
          h("dt", "Số biên nhận"), h("dd", r.receipt_no),
          h("dt", "Họ tên"), h("dd", r.name),
          h("dt", "Tình trạng"), h("dd", r.status_label || r.status),
          r.ready_at ? [h("dt", "Ngày trả"), h("dd", r.ready_at.split("-").reverse().join("/"))] : null,
          r.pickup_place ? [h("dt", "Nơi nhận"), h("dd", r.pickup_place)] : null,
          h("dt", "Nhập lúc"), h("dd", `${formatTime(r.imported_at)} (${r.imported_by || ""})`)));
      } catch (err) {
        clear(out, errorBox(err));
      }
    });
  });
  return form;
}
