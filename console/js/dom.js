// Small DOM helpers: element builder, states, toasts, formatting. No framework, no dependencies.

/** h("button.primary#save", {onclick, type: "button"}, "Lưu") — children may be strings, nodes, arrays. */
export function h(spec, attrs = {}, ...children) {
  const [, tag = "div", rest = ""] = /^([a-z0-9-]*)(.*)$/i.exec(spec);
  const el = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs === null || typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = [el.className, value].filter(Boolean).join(" ");
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value" || key === "checked" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function loading(text = "Đang tải…") {
  return h("div.state.loading", { role: "status", "aria-live": "polite" }, h("span.spinner", { "aria-hidden": "true" }), text);
}

export function empty(text, hint) {
  return h("div.state.empty", { role: "status" }, h("p", text), hint ? h("p.muted", hint) : null);
}

export function errorBox(err, retry) {
  const message = err && err.message ? err.message : "Đã có lỗi xảy ra. Vui lòng thử lại.";
  return h(
    "div.state.error",
    { role: "alert" },
    h("p", message),
    retry ? h("button.secondary", { type: "button", onclick: retry }, "Thử lại") : null,
  );
}

let toastRegion = null;
export function toast(message, kind = "ok") {
  if (!toastRegion) {
    toastRegion = h("div.toasts", { role: "status", "aria-live": "polite" });
    document.body.append(toastRegion);
  }
  const item = h(`div.toast.${kind}`, message);
  toastRegion.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

const VN = "vi-VN";
const TZ = "Asia/Ho_Chi_Minh";

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(VN, { timeZone: TZ, hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" });
}

export function timeAgo(iso) {
  if (!iso) return "";
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return "vừa xong";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} phút trước`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} giờ trước`;
  return `${Math.floor(seconds / 86400)} ngày trước`;
}

export function formatNumber(value) {
  const number = Number(value);
  return Number.isFinite(number) ? number.toLocaleString(VN) : "—";
}

/** Today (or today + offset days) in Vietnam as YYYY-MM-DD. */
export function vnDay(offsetDays = 0) {
  const date = new Date(Date.now() + offsetDays * 86400000);
  return date.toLocaleDateString("en-CA", { timeZone: TZ });
}

/** A labelled form field; returns the wrapper, the control is reachable as .control. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("small.hint", { id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  const wrap = h("div.field", h("label", { for: id }, label), control, hintEl);
  wrap.control = control;
  return wrap;
}

export function select(options, value, attrs = {}) {
  return h(
    "select",
    attrs,
    options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)),
  );
}

export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Disables a button while an async action runs; shows errors as a toast. */
export async function busy(button, action) {
  const previous = button.disabled;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } catch (err) {
    toast(err && err.message ? err.message : "Đã có lỗi xảy ra.", "error");
    return undefined;
  } finally {
    button.disabled = previous;
    button.removeAttribute("aria-busy");
  }
}
