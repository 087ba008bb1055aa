// Administration (admins): officers (create, unit, roles, access), units (the hierarchy is data) and
// the hotlines citizens of each unit see. Every change goes through the API, which audits it.
import { api, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, h, loading, select, toast } from "../dom.js";
import { ROLE_LABELS } from "../labels.js";

const ROLES = ["officer", "commander", "editor", "admin"];
const KINDS = [["district", "Quận/huyện"], ["ward", "Phường"], ["commune", "Xã"], ["team", "Đội"], ["city", "Thành phố"]];

function roleBoxes(current, prefix) {
  return ROLES.map((role) =>
    h("label.check", h("input", { type: "checkbox", name: `${prefix}-role`, value: role, checked: current.includes(role) }), ` ${ROLE_LABELS[role]}`),
  );
}

const checkedRoles = (box) => [...box.querySelectorAll("input[type=checkbox][value]")].filter((i) => i.checked && ROLES.includes(i.value)).map((i) => i.value);

function officerRow(officer, units, unitName, reload) {
  const unitSel = select(units.map((u) => [u.unit_id, u.name]), officer.unit_id, { name: "unit_id", "aria-label": `Đơn vị của ${officer.username}` });
  const roles = h("div.roles", roleBoxes(officer.roles || [], officer.username));
  const enabled = h("input", { type: "checkbox", name: "enabled", checked: officer.enabled !== false });
  const save = h("button.secondary", { type: "button" }, "Lưu");
  save.addEventListener("click", () => {
    const chosen = checkedRoles(roles);
    if (!chosen.length) return toast("Mỗi cán bộ cần ít nhất một vai trò.", "error");
    return busy(save, async () => {
      await api(`/officers/${encodeURIComponent(officer.username)}`, { method: "PATCH", body: { unit_id: unitSel.value, roles: chosen, enabled: enabled.checked } });
      toast(`Đã cập nhật tài khoản ${officer.username}.`);
      await reload();
    });
  });
  return h(
    "tr",
    { dataset: { username: officer.username } },
    h("th", { scope: "row" }, h("strong", officer.display_name || officer.username), h("div.small.muted.mono", officer.username)),
    h("td", unitSel, h("div.small.muted", unitName(officer.unit_id))),
    h("td", roles),
    h("td", h("label.check", enabled, officer.enabled === false ? " Đang khóa" : " Hoạt động")),
    h("td", save),
  );
}

function officersCard(ctx) {
  const box = h("div", loading("Đang tải danh sách cán bộ…"));
  const units = ctx.units || [];
  const filter = select([["", "Tất cả đơn vị"], ...units.map((u) => [u.unit_id, u.name])], "", { name: "officer_unit", "aria-label": "Lọc theo đơn vị" });
  async function reload() {
    try {
      const officers = listOf(await api("/officers", { query: { unit_id: filter.value || undefined } }), "officers");
      officers.sort((a, b) => a.unit_id.localeCompare(b.unit_id) || a.username.localeCompare(b.username));
      clear(box, officers.length
        ? h("div.table-wrap", h("table.officers",
            h("thead", h("tr", ["Cán bộ", "Đơn vị", "Vai trò", "Truy cập", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", officers.map((o) => officerRow(o, units, ctx.unitName, reload)))))
        : empty("Đơn vị chưa có cán bộ nào."));
    } catch (err) {
      if (err.status !== 401) clear(box, errorBox(err, reload));
    }
  }
  filter.addEventListener("change", reload);

  const username = h("input", { name: "username", required: true, pattern: "[a-z0-9][a-z0-9._-]{2,63}", autocomplete: "off" });
  const displayName = h("input", { name: "display_name", maxlength: 120 });
  const unitSel = select(units.map((u) => [u.unit_id, u.name]), ctx.me && ctx.me.unit_id, { name: "unit_id" });
  const roles = h("fieldset.roles", h("legend", "Vai trò"), roleBoxes(["officer"], "new"));
  const password = h("input", { name: "temporary_password", type: "password", minlength: 12, autocomplete: "new-password" });
  const create = h("button.primary", { type: "submit" }, "Tạo tài khoản");
  const form = h("form.card.inner",
    field("Tên đăng nhập", username, "Chữ thường không dấu, ví dụ hieptan.canbo2"),
    field("Họ tên", displayName), field("Đơn vị", unitSel), roles,
    field("Mật khẩu tạm", password, "Cán bộ đổi mật khẩu ở lần đăng nhập đầu; để trống để Cognito gửi thư mời."),
    h("div.actions", create));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = checkedRoles(roles);
    if (!chosen.length) return toast("Chọn ít nhất một vai trò.", "error");
    return busy(create, async () => {
      const body = { username: username.value.trim().toLowerCase(), unit_id: unitSel.value, roles: chosen, display_name: displayName.value.trim() };
      if (password.value) body.temporary_password = password.value;
      await api("/officers", { method: "POST", body });
      toast(`Đã tạo tài khoản ${body.username}.`);
      form.reset();
      await reload();
    });
  });
  reload();
  return h("section.card#officers", h("h2", "Cán bộ"), field("Đơn vị", filter), box, h("details", h("summary", "Thêm cán bộ"), form));
}

function unitsCard(ctx, onChanged) {
  const units = ctx.units || [];
  const id = h("input", { name: "unit_id", required: true, pattern: "[a-z0-9][a-z0-9-]{0,63}" });
  const name = h("input", { name: "name", required: true, maxlength: 200 });
  const kind = select(KINDS, "ward", { name: "kind" });
  const parent = select([["", "— Không có (cấp cao nhất) —"], ...units.map((u) => [u.unit_id, u.name])], "", { name: "parent" });
  const code = h("input", { name: "code", maxlength: 8, pattern: "[A-Za-z0-9]*" });
  const hotline = h("input", { name: "hotline", maxlength: 30, inputmode: "tel" });
  const save = h("button.primary", { type: "submit" }, "Lưu đơn vị");
  const form = h("form.card.inner",
    field("Mã đơn vị", id, "Ví dụ p-tan-son-nhi; chọn đơn vị trong bảng để sửa."), field("Tên", name), field("Cấp", kind),
    field("Đơn vị cấp trên", parent), field("Ký hiệu mã tin báo", code), field("Số trực ban", hotline), h("div.actions", save));
  const pick = (u) => {
    id.value = u.unit_id; name.value = u.name; kind.value = u.kind; parent.value = u.parent || ""; code.value = u.code || ""; hotline.value = u.hotline || "";
    form.closest("details").open = true;
    name.focus();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    return busy(save, async () => {
      const body = { name: name.value.trim(), kind: kind.value, parent: parent.value || null, code: code.value.trim(), hotline: hotline.value.trim() };
      await api(`/units/${encodeURIComponent(id.value.trim())}`, { method: "PUT", body });
      toast(`Đã lưu ${body.name}.`);
      await onChanged();
    });
  });
  const kindName = Object.fromEntries(KINDS);
  return h("section.card#units", h("h2", "Đơn vị"),
    h("div.table-wrap", h("table.units",
      h("thead", h("tr", ["Đơn vị", "Cấp", "Trực thuộc", "Trực ban", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", units.map((u) => h("tr", { dataset: { unit: u.unit_id } },
        h("th", { scope: "row" }, u.name, h("div.small.muted.mono", u.unit_id)),
        h("td", kindName[u.kind] || u.kind), h("td", u.parent ? ctx.unitName(u.parent) : "—"), h("td", u.hotline || "—"),
        h("td", h("button.link", { type: "button", onclick: () => pick(u) }, "Sửa"))))))),
    h("details", h("summary", "Thêm hoặc sửa đơn vị"), form));
}

function hotlinesCard(ctx) {
  const units = ctx.units || [];
  const unitSel = select(units.map((u) => [u.unit_id, u.name]), ctx.me && ctx.me.unit_id, { name: "hotline_unit", "aria-label": "Đơn vị" });
  const rows = h("div.hotline-rows");
  const addRow = (label = "", phone = "") =>
    rows.append(h("div.hotline-row", field("Tên đường dây", h("input", { name: "label", value: label, maxlength: 60 })), field("Số điện thoại", h("input", { name: "phone", value: phone, inputmode: "tel" }))));
  const note = h("p.small.muted");
  async function load() {
    clear(rows, loading());
    try {
      const data = await api(`/hotlines/${encodeURIComponent(unitSel.value)}`);
      clear(rows);
      (data.hotlines || []).forEach((x) => addRow(x.label, x.phone));
      if (!(data.hotlines || []).length) addRow();
      note.textContent = data.shown_for && data.shown_for !== unitSel.value
        ? `Đơn vị chưa có số riêng; người dân đang thấy số của ${ctx.unitName(data.shown_for)}.`
        : "Người dân của đơn vị thấy các số này khi hỏi đường dây nóng.";
    } catch (err) {
      if (err.status !== 401) clear(rows, errorBox(err, load));
    }
  }
  const more = h("button.link", { type: "button", onclick: () => addRow() }, "+ Thêm số");
  const save = h("button.primary", { type: "submit" }, "Lưu đường dây nóng");
  const form = h("form", field("Đơn vị", unitSel), note, rows, more, h("div.actions", save));
  unitSel.addEventListener("change", load);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const hotlines = [...rows.querySelectorAll(".hotline-row")].map((row) => ({ label: row.querySelector("[name=label]").value.trim(), phone: row.querySelector("[name=phone]").value.trim() })).filter((x) => x.label || x.phone);
    if (!hotlines.length) return toast("Nhập ít nhất một số điện thoại.", "error");
    return busy(save, async () => {
      await api(`/hotlines/${encodeURIComponent(unitSel.value)}`, { method: "PUT", body: { hotlines } });
      toast("Đã lưu đường dây nóng.");
      await load();
    });
  });
  load();
  return h("section.card#hotlines", h("h2", "Đường dây nóng"), form);
}

export function render(main, params, ctx) {
  const body = h("div.admin-grid");
  async function draw() {
    clear(body, officersCard(ctx), unitsCard(ctx, async () => { ctx.unitsPromise = null; await ctx.reloadUnits(); draw(); }), hotlinesCard(ctx));
  }
  clear(main, h("div.page-head", h("h1", "Quản trị")), h("p.muted", "Tài khoản cán bộ, đơn vị và đường dây nóng. Mọi thay đổi được ghi nhật ký."), body);
  draw();
}
