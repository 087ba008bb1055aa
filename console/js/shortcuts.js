// Keyboard shortcuts: a page registers its keys; "?" lists them. Keys never fire while typing.
import { h } from "./dom.js";

let active = [];
let dialog = null;

function typing(target) {
  const el = target instanceof Element ? target : null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

const GLOBAL = [["?", "Xem các phím tắt"]];

function help() {
  if (!dialog) {
    dialog = h("dialog.shortcuts", { "aria-labelledby": "shortcuts-title" });
    document.body.append(dialog);
  }
  const rows = [...active.map((s) => [s.key, s.label]), ...GLOBAL];
  dialog.replaceChildren(
    h("h2#shortcuts-title", "Phím tắt"),
    h("dl.keys", rows.map(([key, label]) => [h("dt", h("kbd", key)), h("dd", label)])),
    h("form", { method: "dialog" }, h("button.primary", { type: "submit" }, "Đóng")),
  );
  if (!dialog.open) dialog.showModal();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (dialog && dialog.open) return;
  if (event.key === "?") {
    event.preventDefault();
    help();
    return;
  }
  const found = active.find((s) => s.key === event.key);
  if (found) {
    event.preventDefault();
    found.run(event);
  }
});

/** Register a page's shortcuts ([{key, label, run}]); returns the function that removes them. */
export function useShortcuts(list) {
  active = list;
  return () => {
    if (active === list) active = [];
  };
}

/** The hint shown on pages with shortcuts. */
export function shortcutHint() {
  return h("button.link.small.shortcut-hint", { type: "button", onclick: help, "aria-label": "Xem các phím tắt (phím ?)" }, "Phím tắt: ?");
}
