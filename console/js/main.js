// Shell and hash router. Each page module exports render(main, params, ctx) and may return a cleanup.
import { api, endSession, getConfig, isSignedIn, listOf, loadConfig, mfaStatus, onSessionEnd, resumeSession, signOut } from "./api.js";
import { clear, errorBox, h, loading, toast } from "./dom.js";
import { ROLE_LABELS, setLabels } from "./labels.js";
import { startAlerts, stopAlerts } from "./alerts.js";

const PAGES = {
  login: () => import("./pages/signin.js"),
  inbox: () => import("./pages/inbox.js"),
  case: () => import("./pages/case.js"),
  conversations: () => import("./pages/conversations.js"),
  campaigns: () => import("./pages/campaigns.js"),
  content: () => import("./pages/content.js"),
  cccd: () => import("./pages/cccd.js"),
  stats: () => import("./pages/stats.js"),
  admin: () => import("./pages/admin.js"),
  queue: () => import("./pages/queue.js"),
  security: () => import("./pages/security.js"),
};

// Pages and the roles that can use them (the API enforces every rule regardless). A page a role
// cannot use is neither listed nor opened: the officer lands on their home page instead.
const CASE_ROLES = ["officer", "commander"];
const NAV = [
  ["inbox", "Tin báo", CASE_ROLES],
  ["conversations", "Hội thoại", CASE_ROLES],
  ["campaigns", "Chiến dịch", ["editor", "admin", "commander"]],
  ["content", "Thông báo & hỏi đáp", ["editor", "admin"]],
  ["cccd", "Căn cước", ["officer", "admin", "editor"]],
  ["queue", "Số thứ tự", ["officer", "commander", "admin"]],
  ["stats", "Thống kê", null],
  ["admin", "Quản trị", ["admin"]],
];
const PAGE_ROLES = { ...Object.fromEntries(NAV.map(([page, , roles]) => [page, roles])), case: CASE_ROLES, security: null };
// Roles that must sign in with two steps (TOTP): commanders and admins (config.json; they see
// figures, identities and accounts).
const mfaRoles = () => (getConfig() && getConfig().mfaRequiredRoles) || ["commander", "admin"];

/** The page a role starts on: cases for officers and commanders, content for editors, administration for admins. */
export function homePage(roles) {
  const mine = roles || [];
  if (mine.some((r) => CASE_ROLES.includes(r))) return "inbox";
  if (mine.includes("admin")) return "admin";
  if (mine.includes("editor")) return "content";
  return "stats";
}

const ctx = { me: null, units: null, visibleUnits: null, unitName: (id) => id, unitsPromise: null };
let cleanup = null;
let sessionNotice = "";

function parseHash() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [page = "", ...rest] = path.split("/").filter(Boolean);
  return { page: page || "", rest: rest.map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function loadMe() {
  if (ctx.me) return ctx.me;
  ctx.me = await api("/me");
  setLabels(ctx.me.labels);
  return ctx.me;
}

/** Units the officer may see, from the API (never computed on the client). */
export function loadUnits() {
  if (!ctx.unitsPromise) {
    ctx.unitsPromise = api("/units")
      .then((data) => {
        ctx.units = listOf(data, "units");
        // `visible` comes from the API: the units this officer may filter by (their own and those under it).
        ctx.visibleUnits = ctx.units.filter((u) => u.visible !== false);
        const names = new Map(ctx.units.map((u) => [u.unit_id, u.name]));
        ctx.unitName = (id) => names.get(id) || id || "";
        return ctx.units;
      })
      .catch(() => {
        ctx.unitsPromise = null;
        return [];
      });
  }
  return ctx.unitsPromise;
}

function hasRole(roles) {
  if (!roles) return true;
  const mine = (ctx.me && ctx.me.roles) || [];
  return roles.some((role) => mine.includes(role));
}

function renderShell(active) {
  const header = document.getElementById("top");
  const me = ctx.me || {};
  const roleText = (me.roles || []).map((r) => ROLE_LABELS[r] || r).join(", ");
  const links = NAV.filter(([, , roles]) => hasRole(roles)).map(([page, text]) =>
    h("a", { href: `#/${page}`, "aria-current": page === active ? "page" : null, dataset: { page } }, text),
  );
  clear(
    header,
    h(
      "div.bar",
      h("a.brand", { href: `#/${homePage(me.roles)}` }, h("span.logo", { "aria-hidden": "true" }, "★"), h("span", "An Ninh OA")),
      h(
        "details.menu",
        h("summary", { "aria-label": "Trình đơn" }, "☰ Trình đơn"),
        h("nav", { "aria-label": "Chức năng" }, links),
      ),
      h(
        "div.who",
        h("span.user", { title: roleText }, me.display_name || me.username || ""),
        me.unit_id ? h("span.unit.muted", ctx.unitName(me.unit_id)) : null,
        h("a.link.account", { href: "#/security" }, "Bảo mật"),
        h("button.link#signout", { type: "button", onclick: async (event) => {
          event.currentTarget.disabled = true;
          stopAlerts();
          await signOut(); // revokes the refresh token and signs out every session (Cognito)
          ctx.me = null; ctx.unitsPromise = null; ctx.mfaEnabled = undefined;
          go("#/login");
        } }, "Đăng xuất"),
      ),
    ),
  );
  header.hidden = false;
  header.querySelector("details.menu").open = window.matchMedia("(min-width: 760px)").matches;
  if (hasRole(CASE_ROLES)) {
    loadBadges(header);
    startAlerts(header, ctx.unitName);
  }
}

/** Navigation badges from the API: overdue cases on "Tin báo"; hand-offs waiting and undelivered
 * messages on "Hội thoại". */
async function loadBadges(header) {
  let data;
  try {
    data = await api("/inbox/counts");
  } catch {
    return;
  }
  const b = (data && data.badges) || {};
  const put = (page, items) => {
    const link = header.querySelector(`nav a[data-page="${page}"]`);
    if (!link) return;
    link.querySelectorAll(".nav-badge").forEach((el) => el.remove());
    for (const [n, label, cls] of items) {
      if (Number(n) > 0) link.append(h(`span.nav-badge${cls}`, { title: label, "aria-label": label }, n > 99 ? "99+" : String(n)));
    }
  };
  put("inbox", [[b.overdue, `${b.overdue} tin báo quá hạn`, ""]]);
  put("conversations", [[b.handoffs, `${b.handoffs} hội thoại chờ cán bộ`, ".soft"], [b.undelivered, `${b.undelivered} tin nhắn chưa gửi được`, ""]]);
}

// Each navigation supersedes the one before: a route still waiting on the API when the officer (or the
// sign-in redirect) moves on must not redirect or render afterwards.
let routeSeq = 0;

async function route() {
  const seq = ++routeSeq;
  const stale = () => seq !== routeSeq;
  const main = document.getElementById("main");
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const { page, rest, query } = parseHash();
  const wantsLogin = page === "login";
  if (!wantsLogin && !isSignedIn()) {
    const back = location.hash && !location.hash.startsWith("#/login") ? location.hash : "#/";
    sessionStorage.setItem("anninh.returnTo", back);
    location.replace("#/login");
    return;
  }
  const loader = PAGES[page || "inbox"];
  if (!loader) {
    clear(main, errorBox({ message: "Trang không tồn tại." }), h("p", h("a", { href: "#/" }, "Về trang làm việc")));
    return;
  }
  if (wantsLogin) {
    document.getElementById("top").hidden = true;
    const mod = await loader();
    if (stale()) return;
    cleanup = mod.render(main, { notice: sessionNotice, onSignedIn }, ctx);
    sessionNotice = "";
    return;
  }
  clear(main, loading());
  try {
    await loadMe();
    await loadUnits();
  } catch (err) {
    if (err.status === 401 || stale()) return;
    clear(main, errorBox(err, route));
    return;
  }
  if (stale()) return;
  const home = homePage(ctx.me && ctx.me.roles);
  ctx.home = home;
  ctx.mfaRequired = mfaRoles().length > 0 && hasRole(mfaRoles());
  if (ctx.mfaRequired && ctx.mfaEnabled === undefined) {
    ctx.mfaEnabled = await mfaStatus().then((s) => (s.known ? s.enabled : true)).catch(() => true);
    if (stale()) return;
  }
  if (ctx.mfaRequired && !ctx.mfaEnabled && page !== "security") {
    location.replace("#/security");
    return;
  }
  if (!page || !hasRole(PAGE_ROLES[page])) {
    if (page) toast("Trang này không dành cho vai trò của anh/chị; đã chuyển về trang làm việc.", "info");
    location.replace(`#/${home}`);
    return;
  }
  renderShell(page);
  const mod = await loader();
  if (stale()) return;
  main.focus({ preventScroll: true });
  cleanup = mod.render(main, { rest, query }, ctx);
}

function onSignedIn() {
  ctx.me = null;
  ctx.mfaEnabled = undefined;
  ctx.unitsPromise = null;
  const back = sessionStorage.getItem("anninh.returnTo") || "#/";
  sessionStorage.removeItem("anninh.returnTo");
  go(back);
}

onSessionEnd(() => {
  stopAlerts();
  sessionNotice = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.";
  const hash = location.hash && !location.hash.startsWith("#/login") ? location.hash : "#/";
  sessionStorage.setItem("anninh.returnTo", hash);
  ctx.me = null;
  ctx.unitsPromise = null;
  go("#/login");
});

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason && event.reason.status === 401) return;
  toast((event.reason && event.reason.message) || "Đã có lỗi xảy ra.", "error");
});

(async function boot() {
  const main = document.getElementById("main");
  // The skip link must not change the hash (the router owns it): move focus instead.
  document.querySelector("a.skip").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  try {
    await loadConfig();
  } catch {
    clear(main, errorBox({ message: "Không tải được cấu hình (config.json hoặc /_local/config). Vui lòng liên hệ quản trị hệ thống." }, () => location.reload()));
    return;
  }
  resumeSession();
  route();
})();

ctx.reloadUnits = () => {
  ctx.unitsPromise = null;
  return loadUnits();
};

export { ctx, endSession };
