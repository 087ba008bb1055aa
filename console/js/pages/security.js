// Account security: two-step sign-in (TOTP). Commanders and admins must turn it on before they work.
import { finishTotpSetup, mfaStatus, signedInUsername, startTotpSetup } from "../api.js";
import { busy, clear, errorBox, field, h, loading, toast } from "../dom.js";
import { qrSvg } from "../qr.js";

const ISSUER = "An Ninh OA";

export function render(main, params, ctx) {
  const body = h("div", loading());
  const required = Boolean(ctx.mfaRequired);
  clear(
    main,
    h("div.page-head", h("h1", "Bảo mật tài khoản")),
    required && !ctx.mfaEnabled
      ? h("p.alert", { role: "note" }, "Tài khoản chỉ huy và quản trị phải bật xác thực hai lớp trước khi làm việc.")
      : null,
    body,
  );

  async function show() {
    try {
      const status = await mfaStatus();
      ctx.mfaEnabled = status.enabled;
      if (status.enabled) {
        clear(body, h("div.card", h("h2", "Xác thực hai lớp: đang bật"), h("p", "Mỗi lần đăng nhập, sau mật khẩu anh/chị nhập mã 6 số trên ứng dụng xác thực."),
          h("p", h("a.button.primary", { href: `#/${ctx.home || "inbox"}` }, "Vào trang làm việc"))));
        return;
      }
      const start = h("button.primary", { type: "button" }, "Bật xác thực hai lớp");
      start.addEventListener("click", () => busy(start, setup));
      clear(body, h("div.card", h("h2", "Xác thực hai lớp: chưa bật"),
        h("p", "Cần điện thoại có ứng dụng xác thực (ví dụ Google Authenticator, Microsoft Authenticator). Ứng dụng tạo mã 6 số thay đổi mỗi 30 giây."),
        start));
    } catch (err) {
      if (err.status !== 401) clear(body, errorBox(err, show));
    }
  }

  async function setup() {
    const secret = await startTotpSetup();
    const user = signedInUsername();
    const uri = `otpauth://totp/${encodeURIComponent(ISSUER)}:${encodeURIComponent(user)}?secret=${secret}&issuer=${encodeURIComponent(ISSUER)}`;
    const code = h("input", { name: "totp_code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: 6, required: true });
    const confirm = h("button.primary", { type: "submit" }, "Xác nhận và bật");
    const form = h("form", field("Mã 6 số trên ứng dụng", code), confirm);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!/^\d{6}$/.test(code.value.trim())) return toast("Mã xác thực gồm 6 chữ số.", "error");
      return busy(confirm, async () => {
        await finishTotpSetup(code.value.trim());
        ctx.mfaEnabled = true;
        toast("Đã bật xác thực hai lớp. Lần đăng nhập sau sẽ hỏi mã trên ứng dụng.");
        await show();
      });
    });
    clear(body, h("div.card.totp-setup",
      h("h2", "Quét mã bằng ứng dụng xác thực"),
      h("ol",
        h("li", "Mở ứng dụng xác thực, chọn thêm tài khoản và quét mã dưới đây."),
        h("li", "Không quét được? Nhập khóa bí mật: ", h("code.secret", { "data-secret": secret }, secret.replace(/(.{4})/g, "$1 ").trim())),
        h("li", "Nhập mã 6 số ứng dụng hiện ra để xác nhận.")),
      h("div.qr-box", qrSvg(uri, `Mã QR để thêm tài khoản ${user} vào ứng dụng xác thực`)),
      form));
    code.focus();
  }

  show();
}
