// Sign-in with the unit's Cognito user pool (USER_PASSWORD_AUTH).
import { completeMfa, completeNewPassword, getConfig, passwordHint, signIn } from "../api.js";
import { clear, field, h } from "../dom.js";

export function render(main, { notice, onSignedIn }) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p.form-error", { role: "alert", "aria-live": "assertive" });
  const submit = h("button.primary", { type: "submit" }, "Đăng nhập");
  const form = h(
    "form.card.signin",
    { novalidate: true },
    h("h1", "Đăng nhập"),
    h("p.muted", "Bàn làm việc của cán bộ — tin báo, hội thoại, chiến dịch và thống kê của đơn vị."),
    notice ? h("p.notice", { role: "status" }, notice) : null,
    field("Tên đăng nhập", username),
    field("Mật khẩu", password),
    message,
    submit,
    getConfig() && getConfig().local
      ? h("p.muted.small", "Môi trường thử nghiệm: tài khoản mẫu, ví dụ hieptan.canbo / Demo-Passw0rd-2026.")
      : null,
  );

  async function askNewPassword(session) {
    const first = h("input", { type: "password", autocomplete: "new-password", required: true });
    const again = h("input", { type: "password", autocomplete: "new-password", required: true });
    const error = h("p.form-error", { role: "alert" });
    const changeForm = h(
      "form.card.signin",
      h("h1", "Đặt mật khẩu mới"),
      h("p.muted", "Lần đăng nhập đầu tiên, anh/chị cần đặt mật khẩu mới."),
      field("Mật khẩu mới", first, `Mật khẩu ${passwordHint()}`),
      field("Nhập lại mật khẩu mới", again),
      error,
      h("button.primary", { type: "submit" }, "Lưu và đăng nhập"),
    );
    changeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (first.value !== again.value) {
        error.textContent = "Hai mật khẩu không khớp.";
        return;
      }
      try {
        await completeNewPassword(username.value.trim(), session, first.value);
        onSignedIn();
      } catch (err) {
        error.textContent = err.message;
      }
    });
    clear(main, h("div.center", changeForm));
    first.focus();
  }

  async function askCode(session) {
    const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: 6, required: true });
    const error = h("p.form-error", { role: "alert" });
    const button = h("button.primary", { type: "submit" }, "Xác nhận");
    const codeForm = h(
      "form.card.signin",
      h("h1", "Xác thực hai lớp"),
      h("p.muted", "Nhập mã 6 số đang hiện trên ứng dụng xác thực của anh/chị."),
      field("Mã xác thực", code),
      error,
      button,
    );
    codeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!/^\d{6}$/.test(code.value.trim())) {
        error.textContent = "Mã xác thực gồm 6 chữ số.";
        return;
      }
      button.disabled = true;
      try {
        await completeMfa(username.value.trim(), session, code.value.trim());
        onSignedIn();
      } catch (err) {
        error.textContent = err.message;
        code.select();
      } finally {
        button.disabled = false;
      }
    });
    clear(main, h("div.center", codeForm));
    code.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    if (!username.value.trim() || !password.value) {
      message.textContent = "Vui lòng nhập tên đăng nhập và mật khẩu.";
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Đang đăng nhập…";
    try {
      const result = await signIn(username.value.trim(), password.value);
      if (result.challenge === "SOFTWARE_TOKEN_MFA") askCode(result.session);
      else if (result.challenge === "NEW_PASSWORD_REQUIRED") askNewPassword(result.session);
      else if (result.challenge) message.textContent = "Tài khoản cần bật xác thực hai lớp. Vui lòng liên hệ quản trị hệ thống.";
      else onSignedIn();
    } catch (err) {
      message.textContent = err.message;
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = "Đăng nhập";
    }
  });
  clear(main, h("div.center", form));
  username.focus();
}
