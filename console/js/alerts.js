// Urgent alerts for officers: polled every 10 s by a timer in a worker (browsers slow down page timers
// in background tabs, not worker timers), announced by a sound and a desktop notification (clicking it
// opens the case), and listed in a banner with "Đã nhận" (POST /alerts/{id}/ack stops the escalation).
import { api, isSignedIn } from "./api.js";
import { clear, h, toast } from "./dom.js";

const POLL_MS = 10000;
const CLASS_LABELS = { violence: "Bạo lực, tội phạm (113)", fire: "Cháy, nổ (114)", medical: "Cấp cứu (115)", rescue: "Cứu nạn (112)" };
const TITLE = document.title;
let worker = null;
let known = null; // ids already announced (null until the first poll)
let open = [];
let host = null;
let unitName = (id) => id;
let audio = null;

function tick(fn) {
  try {
    const src = URL.createObjectURL(new Blob([`setInterval(() => postMessage(0), ${POLL_MS});`], { type: "text/javascript" }));
    const w = new Worker(src);
    w.onmessage = fn;
    return { stop: () => w.terminate() };
  } catch {
    const id = setInterval(fn, POLL_MS);
    return { stop: () => clearInterval(id) };
  }
}

/** Three short tones (Web Audio: nothing to download); browsers allow it once the officer has clicked. */
function sound() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    [0, 0.35, 0.7].forEach((start) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.25, audio.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + 0.3);
    });
  } catch {
    /* no audio device: the banner and the notification remain */
  }
}

function notify(alert) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const n = new Notification(`Tin báo khẩn ${alert.code || ""}`, {
    body: `${CLASS_LABELS[alert.class] || "Khẩn cấp"} — ${unitName(alert.unit_id)}. Mở để xử lý và xác nhận đã nhận.`,
    tag: `alert-${alert.id}`,
    requireInteraction: true,
  });
  n.onclick = () => {
    window.focus();
    location.hash = `#/case/${encodeURIComponent(alert.case_id)}`;
    n.close();
  };
}

async function acknowledge(alert) {
  try {
    await api(`/alerts/${encodeURIComponent(alert.id)}/ack`, { method: "POST" });
    toast(`Đã xác nhận nhận tin báo khẩn ${alert.code}.`);
  } catch (err) {
    toast(err.message || "Không xác nhận được.", "error");
  }
  poll();
}

function render() {
  document.title = open.length ? `(${open.length}) KHẨN — ${TITLE}` : TITLE;
  if (!host || !host.isConnected) return;
  let box = host.querySelector(".alerts-banner");
  if (!open.length) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = h("section.alerts-banner", { role: "alert", "aria-label": "Tin báo khẩn chưa xác nhận" });
    host.append(box);
  }
  const ask =
    "Notification" in window && Notification.permission === "default"
      ? h("button.link", { type: "button", onclick: () => Notification.requestPermission().then(render) }, "Bật thông báo trên máy tính")
      : null;
  clear(
    box,
    ...open.map((a) =>
      h(
        "div.alert-row",
        h("strong", `KHẨN ${a.code || ""}`),
        h("span", ` ${CLASS_LABELS[a.class] || ""} — ${unitName(a.unit_id)}`),
        a.escalated_to && a.escalated_to.length ? h("span.muted", ` — đã báo lên ${a.escalated_to.map(unitName).join(", ")}`) : null,
        h("a", { href: `#/case/${encodeURIComponent(a.case_id)}` }, "Mở tin báo"),
        h("button", { type: "button", onclick: () => acknowledge(a) }, "Đã nhận"),
      ),
    ),
    ask,
  );
}

async function poll() {
  if (!isSignedIn()) return;
  let data;
  try {
    data = await api("/alerts", { query: { open: "true" } });
  } catch {
    return;
  }
  open = (data && data.items) || [];
  const fresh = open.filter((a) => !known || !known.has(a.id));
  known = new Set([...(known || []), ...open.map((a) => a.id)]);
  if (fresh.length) {
    sound();
    fresh.forEach(notify);
  }
  render();
}

/** Start (once) and show the banner in `header`; call again after the header is redrawn. */
export function startAlerts(header, names) {
  host = header;
  unitName = names || unitName;
  if (!worker) {
    worker = tick(poll);
    poll();
  } else {
    render();
  }
}

export function stopAlerts() {
  if (worker) worker.stop();
  worker = null;
  known = null;
  open = [];
  render();
}
