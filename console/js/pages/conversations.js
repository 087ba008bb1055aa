// Conversations the bot handed off to a human: read, reply, close.
import { api, idempotencyKey, listOf } from "../api.js";
import { busy, clear, empty, errorBox, field, formatTime, h, loading, timeAgo, toast } from "../dom.js";
import { label, UNDELIVERED_CAUSE_LABELS } from "../labels.js";
import { replyTierNote } from "../quota.js";

const idOf = (item) => item.conversation_id || item.id;

function bubble(message) {
  const out = ["out", "outbound"].includes(message.direction);
  return h(
    `li.bubble.${out ? "out" : "in"}`,
    h("div.from.small.muted", out ? message.author || (message.by_bot ? "Bot" : "Đơn vị") : "Người dân"),
    h("p", message.text || `[${message.type || message.kind || "tin nhắn"}]`),
    h("time.small.muted", { datetime: message.at }, formatTime(message.at)),
  );
}

/** One message the sender could not deliver: why, when, what, and the tip or conversation it belongs to. */
function undeliveredRow(item, ctx) {
  const links = [
    item.case_id
      ? h("a", { href: `#/case/${encodeURIComponent(item.case_id)}` }, `Tin báo ${item.case_code || item.case_id}`)
      : null,
    item.conversation_id
      ? h("a", { href: `#/conversations/${encodeURIComponent(item.conversation_id)}` }, "Xem hội thoại")
      : null,
  ];
  return h(
    "li.case-row.undelivered-row",
    { dataset: { cause: item.cause || "" } },
    h(
      "div.case-link",
      h(
        "div.row-top",
        h("span.badge.c-failed", label(UNDELIVERED_CAUSE_LABELS, item.cause) || "Không gửi được"),
        h("strong", item.pseudonym || "Người dân"),
        h("time.muted", { datetime: item.at, title: formatTime(item.at) }, formatTime(item.at)),
      ),
      h("p.summary", item.text || "(Tin nhắn không có nội dung văn bản)"),
      item.label ? h("p.small.cause-label", item.label) : null,
      h(
        "div.row-meta.muted",
        h("span", ctx.unitName(item.unit_id)),
        item.oa_name && item.oa_name !== ctx.unitName(item.unit_id) ? h("span", `OA ${item.oa_name}`) : null,
        item.officer ? h("span", `Cán bộ: ${item.officer}`) : null,
        links,
      ),
    ),
  );
}

export function render(main, { rest }, ctx) {
  const selected = rest[0] || "";
  const listBox = h("div", loading("Đang tải hội thoại…"));
  const undeliveredBox = h("div", loading("Đang tải tin nhắn chưa gửi được…"));
  const detail = h("div.card.conv-detail", selected ? loading() : h("p.muted", "Chọn một hội thoại để xem và trả lời."));
  clear(
    main,
    h("div.page-head", h("h1", "Hội thoại chờ cán bộ"), h("p.muted", "Câu hỏi mà bot chưa trả lời được, đã chuyển cho đơn vị.")),
    h("div.split", h("section.conv-list", { "aria-label": "Danh sách hội thoại" }, listBox), detail),
    h(
      "section.card.undelivered",
      { "aria-labelledby": "undelivered-title" },
      h("h2#undelivered-title", "Tin nhắn chưa gửi được"),
      h("p.muted.small", "Tin trả lời mà Zalo không chuyển được tới người dân; cần liên hệ lại bằng kênh khác."),
      undeliveredBox,
    ),
  );
  let disposed = false;

  async function loadUndelivered() {
    try {
      const items = listOf(await api("/undelivered"), "undelivered");
      if (disposed) return;
      if (!items.length) {
        clear(undeliveredBox, empty("Không có tin nhắn nào chưa gửi được.", "Tin nhắn Zalo không chuyển được tới người dân sẽ hiện ở đây."));
        return;
      }
      clear(undeliveredBox, h("ul.cases.undelivered-list", items.map((item) => undeliveredRow(item, ctx))));
    } catch (err) {
      if (err.status !== 401) clear(undeliveredBox, errorBox(err, loadUndelivered));
    }
  }

  async function loadList() {
    try {
      const items = listOf(await api("/conversations"), "conversations");
      if (disposed) return;
      if (!items.length) {
        clear(listBox, empty("Không có hội thoại nào đang chờ.", "Khi bot chuyển câu hỏi cho cán bộ, hội thoại sẽ hiện ở đây."));
        return;
      }
      clear(
        listBox,
        h(
          "ul.cases",
          items.map((item) =>
            h(
              "li.case-row",
              { class: idOf(item) === selected ? "current" : "" },
              h(
                "a.case-link",
                { href: `#/conversations/${encodeURIComponent(idOf(item))}`, "aria-current": idOf(item) === selected ? "true" : null },
                h("div.row-top", h("strong", item.pseudonym || item.display_name || "Người dân"), h("time.muted", { datetime: item.last_in_at || item.handed_off_at }, timeAgo(item.last_in_at || item.handed_off_at || item.last_at))),
                h("p.summary", item.last_text || item.handoff_question || item.question || "Người dân đang chờ cán bộ trả lời."),
                h("div.row-meta.muted", h("span", ctx.unitName(item.unit_id)), item.oa_name ? h("span", item.oa_name) : null),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      if (err.status !== 401) clear(listBox, errorBox(err, loadList));
    }
  }

  async function loadDetail() {
    if (!selected) return;
    try {
      const data = await api(`/conversations/${encodeURIComponent(selected)}`);
      if (disposed) return;
      const messages = listOf(data, "messages", "conversation");
      const text = h("textarea", { rows: 3, name: "reply", maxlength: 2000 });
      const send = h("button.primary", { type: "submit" }, "Gửi trả lời");
      const close = h("button.secondary", { type: "button" }, "Kết thúc, trả lại cho bot");
      const tier = replyTierNote(`/conversations/${encodeURIComponent(selected)}`); // free reply or proactive
      const form = h("form.reply", field("Trả lời người dân", text), tier.element, h("div.actions", send, close));
      let replyKey = idempotencyKey();
      text.addEventListener("input", () => (replyKey = idempotencyKey()));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!text.value.trim()) return toast("Vui lòng nhập nội dung trả lời.", "error");
        return busy(send, async () => {
          await api(`/conversations/${encodeURIComponent(selected)}/replies`, {
            method: "POST",
            body: { text: text.value.trim(), idempotency_key: replyKey },
          });
          replyKey = idempotencyKey();
          toast("Đã gửi trả lời qua Zalo.");
          await loadDetail();
        });
      });
      close.addEventListener("click", () =>
        busy(close, async () => {
          await api(`/conversations/${encodeURIComponent(selected)}/close`, { method: "POST", body: {} });
          toast("Đã kết thúc hội thoại.");
          location.hash = "#/conversations";
        }),
      );
      clear(
        detail,
        h("h2", (data.conversation || data).pseudonym || "Hội thoại"),
        messages.length ? h("ol.thread", messages.map(bubble)) : h("p.muted", "Chưa có tin nhắn."),
        form,
      );
      text.focus();
    } catch (err) {
      if (err.status !== 401) clear(detail, errorBox(err, loadDetail));
    }
  }

  loadList();
  loadDetail();
  loadUndelivered();
  const timer = setInterval(loadList, 15000);
  const undeliveredTimer = setInterval(loadUndelivered, 60000);
  return () => {
    disposed = true;
    clearInterval(timer);
    clearInterval(undeliveredTimer);
  };
}
