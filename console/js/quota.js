// Zalo's message tiers in the console (docs/zalo.md): what a reply costs before it is sent, what a
// campaign takes from each tier, and a unit's OAs' quota use this month. Kept apart from the pages so
// the inbox, case and campaign pages only place these elements.
import { api } from "./api.js";
import { clear, formatNumber, h } from "./dom.js";

const TIER_LABELS = {
  reply: "Tin trả lời miễn phí",
  proactive: "Tin chủ động (tính hạn mức tháng)",
  broadcast: "Tin truyền thông (broadcast)",
  zns: "Tin ZNS",
};

/**
 * A note under a reply box saying whether the next reply is free (how many of 8 remain, until when)
 * or proactive (and whether the month's quota still covers it). `path` is the tip or conversation,
 * e.g. `/tips/<id>`. Returns the element and a `refresh()` to call after each reply sent.
 */
export function replyTierNote(path) {
  const note = h("p.small.reply-tier", { role: "status", "aria-live": "polite", dataset: { tier: "" } }, "Đang kiểm tra loại tin…");
  async function refresh() {
    try {
      const t = await api(`${path}/reply-tier`);
      note.dataset.tier = t.tier || "";
      note.dataset.covered = t.covered === false ? "no" : "yes";
      note.className = `small reply-tier ${t.tier === "reply" ? "free" : t.covered === false ? "blocked" : "paid"}`;
      note.textContent = t.label || TIER_LABELS[t.tier] || "";
    } catch {
      note.textContent = "";
    }
  }
  refresh();
  return { element: note, refresh };
}

/** The campaign preview's tier counts and per-OA quota check; says plainly when it would be refused. */
export function campaignQuota(preview) {
  const tiers = preview && preview.tiers ? Object.entries(preview.tiers).filter(([, n]) => Number(n) > 0) : [];
  const quota = (preview && preview.quota) || [];
  if (!tiers.length && !quota.length) return null;
  const short = quota.filter((q) => !q.covered);
  return h(
    "div.card.inner.campaign-quota",
    { dataset: { quotaOk: preview.quota_ok === false ? "no" : "yes" } },
    h("h3", "Loại tin và hạn mức Zalo"),
    tiers.length ? h("ul.small", tiers.map(([tier, n]) => h("li", `${TIER_LABELS[tier] || tier}: ${formatNumber(n)}`))) : null,
    quota.length
      ? h(
          "table.small",
          h("thead", h("tr", h("th", "Kênh Zalo"), h("th", "Cần"), h("th", "Còn trong tháng"))),
          h(
            "tbody",
            quota.map((q) =>
              h(
                `tr${q.covered ? "" : ".short"}`,
                h("td", q.oa_name || q.oa_id),
                h("td", formatNumber(q.proactive_needed)),
                h("td", `${formatNumber(q.proactive_remaining)}/${formatNumber(q.proactive_limit)} (tháng ${q.month})`),
              ),
            ),
          ),
        )
      : null,
    short.length
      ? h(
          "p.error",
          { role: "alert" },
          `Chiến dịch sẽ bị từ chối: hạn mức tin chủ động không đủ cho ${short.map((q) => q.oa_name || q.oa_id).join(", ")}. ` +
            "Hãy thu hẹp người nhận, hẹn gửi sang tháng sau hoặc dùng bài viết (broadcast).",
        )
      : null,
  );
}

/** A unit's OAs: proactive messages used this month of the quota, warning from 80 %. */
export function unitQuotaPanel(unitId) {
  const box = h("section.card.unit-quota", { "aria-label": "Hạn mức tin Zalo trong tháng" }, h("h2", "Hạn mức tin Zalo tháng này"), h("p.muted", "Đang tải…"));
  if (!unitId) return box;
  api(`/units/${encodeURIComponent(unitId)}/quota`)
    .then((data) => {
      const oas = data.oas || [];
      const rows = oas.map((q) => {
        const used = q.proactive_limit - q.proactive_remaining;
        return h(
          `tr${q.warning ? ".warn" : ""}`,
          h("td", q.oa_name || q.oa_id),
          h("td", `${formatNumber(used)}/${formatNumber(q.proactive_limit)} (${q.used_percent}%)`),
          h("td", formatNumber(q.free_replies_open ?? 0)),
          h("td", q.warning ? "Sắp hết hạn mức" : ""),
        );
      });
      const warned = oas.filter((q) => q.warning);
      clear(
        box,
        h("h2", "Hạn mức tin Zalo tháng này"),
        warned.length
          ? h("p.error", { role: "alert" }, `Cảnh báo: ${warned.map((q) => q.oa_name || q.oa_id).join(", ")} đã dùng từ ${data.warn_at_percent}% hạn mức tin chủ động của tháng. Khi hết, tin trả lời sau 48 giờ sẽ không gửi được.`)
          : null,
        oas.length
          ? h(
              "table.small",
              h("thead", h("tr", h("th", "Kênh Zalo"), h("th", "Tin chủ động đã dùng"), h("th", "Hội thoại còn trả lời miễn phí"), h("th", ""))),
              h("tbody", rows),
            )
          : h("p.muted", "Đơn vị chưa quản lý kênh Zalo nào."),
        h("p.small.muted", "Tin trả lời trong 48 giờ kể từ tin nhắn gần nhất của người dân (tối đa 8 tin) là miễn phí; các tin khác là tin chủ động."),
      );
    })
    .catch(() => clear(box, h("h2", "Hạn mức tin Zalo tháng này"), h("p.muted", "Chưa lấy được số liệu hạn mức.")));
  return box;
}
