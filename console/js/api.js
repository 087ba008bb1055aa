// Configuration, Cognito sign-in and the officer API client.
// Config: ./config.json when deployed (written by scripts/deploy_console.py), else the local cloud's
// /_local/config. The id token lives in sessionStorage only (gone when the tab closes).

const TOKEN_KEY = "anninh.idToken";
const USER_KEY = "anninh.username";
// The access token (MFA set-up, sign-out) and the refresh token (renewal before the id token expires)
// live in sessionStorage too: gone with the tab, never in localStorage.
const ACCESS_KEY = "anninh.accessToken";
const REFRESH_KEY = "anninh.refreshToken";
const REFRESH_AHEAD_SECONDS = 120;

let config = null;
let expiryTimer = null;
const listeners = new Set();

/**
 * One key per reply being composed: a double submit (or a retry after a lost answer) sends the same key,
 * so the API queues the reply once. Callers make a new key after a reply went through.
 */
export function idempotencyKey() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === "function") return globalThis.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

async function fetchJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export async function loadConfig() {
  if (config) return config;
  const deployed = await fetchJson("./config.json").catch(() => null);
  const local = deployed ? null : await fetchJson("/_local/config").catch(() => null);
  const raw = deployed || local;
  if (!raw) throw new Error("config");
  const region = raw.region || "ap-southeast-1";
  config = {
    region,
    userPoolId: raw.user_pool_id,
    clientId: raw.user_pool_client_id,
    passwordPolicy: raw.password_policy || null,
    mfaRequiredRoles: Array.isArray(raw.mfa_required_roles) ? raw.mfa_required_roles : ["commander", "admin"],
    cognitoUrl: raw.cognito_url || raw.aws_endpoint_url || `https://cognito-idp.${region}.amazonaws.com/`,
    apiBase: (raw.api_base_url || "/api/v1").replace(/\/$/, ""),
    local: !deployed,
  };
  return config;
}

export function getConfig() {
  return config;
}

/** Called with "expired" when the session ends on its own (token expiry or a 401). */
export function onSessionEnd(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function decodeJwt(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export function tokenClaims() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? decodeJwt(token) : null;
}

function tokenSecondsLeft(token) {
  const claims = decodeJwt(token);
  if (!claims || typeof claims.exp !== "number") return Infinity;
  return claims.exp - Date.now() / 1000;
}

export function currentToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  if (tokenSecondsLeft(token) <= 5) {
    endSession("expired");
    return null;
  }
  return token;
}

export function isSignedIn() {
  return currentToken() !== null;
}

export function signedInUsername() {
  return sessionStorage.getItem(USER_KEY) || "";
}

function scheduleExpiry(token) {
  clearTimeout(expiryTimer);
  const left = tokenSecondsLeft(token);
  if (Number.isFinite(left)) {
    // With a refresh token the session is renewed shortly before the id token expires (no re-login
    // every few hours); without one, or when renewal fails, the session ends.
    const renew = sessionStorage.getItem(REFRESH_KEY) && left > REFRESH_AHEAD_SECONDS / 2;
    const wait = renew ? left - REFRESH_AHEAD_SECONDS : left - 5;
    // setTimeout overflows above ~24.8 days; Cognito id tokens live hours at most.
    expiryTimer = setTimeout(() => (renew ? refreshSession() : endSession("expired")), Math.max(0, Math.min(wait, 2 ** 31 / 1000)) * 1000);
  }
}

/** Renew the id and access tokens with the refresh token (Cognito REFRESH_TOKEN_AUTH). */
export async function refreshSession() {
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  if (!refresh) return false;
  try {
    const cfg = await loadConfig();
    const data = await cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: cfg.clientId,
      AuthParameters: { REFRESH_TOKEN: refresh },
    });
    if (!data.AuthenticationResult || !data.AuthenticationResult.IdToken) throw new Error("no tokens");
    acceptAuthResult(signedInUsername(), data.AuthenticationResult);
    return true;
  } catch {
    sessionStorage.removeItem(REFRESH_KEY);
    endSession("expired");
    return false;
  }
}

export function resumeSession() {
  const token = currentToken();
  if (token) scheduleExpiry(token);
  return token !== null;
}

export function endSession(reason) {
  const had = sessionStorage.getItem(TOKEN_KEY) !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ACCESS_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  clearTimeout(expiryTimer);
  if (had && reason) listeners.forEach((fn) => fn(reason));
}

async function cognito(target, body) {
  const cfg = await loadConfig();
  let response;
  try {
    response = await fetch(cfg.cognitoUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
        // Local cloud only: the embedded moto finds the pool's region from a credential scope (in AWS
        // the regional endpoint says it, and these public operations are unsigned).
        ...(cfg.local ? { Authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${cfg.region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=local` } : {}),
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "Không kết nối được máy chủ đăng nhập. Vui lòng kiểm tra mạng và thử lại.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(data.__type || "").split("#").pop();
    const messages = {
      NotAuthorizedException: "Sai tên đăng nhập hoặc mật khẩu.",
      UserNotFoundException: "Sai tên đăng nhập hoặc mật khẩu.",
      PasswordResetRequiredException: "Tài khoản cần đặt lại mật khẩu. Vui lòng liên hệ quản trị hệ thống.",
      UserNotConfirmedException: "Tài khoản chưa được kích hoạt. Vui lòng liên hệ quản trị hệ thống.",
      TooManyRequestsException: "Đăng nhập quá nhiều lần. Vui lòng thử lại sau ít phút.",
      InvalidPasswordException: `Mật khẩu mới chưa đủ mạnh: ${passwordHint()}`,
      CodeMismatchException: "Mã xác thực không đúng hoặc đã hết hạn. Vui lòng nhập mã mới trên ứng dụng.",
      EnableSoftwareTokenMFAException: "Mã xác thực không đúng. Vui lòng nhập mã mới trên ứng dụng.",
      ExpiredCodeException: "Mã xác thực đã hết hạn. Vui lòng nhập mã mới.",
    };
    throw new ApiError(response.status, type, messages[type] || "Không đăng nhập được. Vui lòng thử lại.");
  }
  return data;
}

function acceptAuthResult(username, result) {
  const token = result.IdToken;
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(USER_KEY, username);
  if (result.AccessToken) sessionStorage.setItem(ACCESS_KEY, result.AccessToken);
  if (result.RefreshToken) sessionStorage.setItem(REFRESH_KEY, result.RefreshToken); // not re-sent on refresh
  scheduleExpiry(token);
}

/** The pool's password policy in words (from the configuration; the pool's defaults otherwise). */
export function passwordHint() {
  const p = (config && config.passwordPolicy) || { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: false };
  const parts = [];
  if (p.RequireUppercase) parts.push("chữ hoa");
  if (p.RequireLowercase) parts.push("chữ thường");
  if (p.RequireNumbers) parts.push("số");
  if (p.RequireSymbols) parts.push("ký tự đặc biệt");
  return `ít nhất ${p.MinimumLength || 8} ký tự${parts.length ? `, có ${parts.join(", ")}` : ""}.`;
}

const CHALLENGES = ["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"];

/** Returns {ok: true} or {challenge: "NEW_PASSWORD_REQUIRED", session}. */
export async function signIn(username, password) {
  const cfg = await loadConfig();
  const data = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: cfg.clientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (data.AuthenticationResult) {
    acceptAuthResult(username, data.AuthenticationResult);
    return { ok: true };
  }
  if (CHALLENGES.includes(data.ChallengeName)) {
    return { challenge: data.ChallengeName, session: data.Session };
  }
  throw new ApiError(400, "challenge", "Tài khoản cần thêm bước xác thực chưa được hỗ trợ. Vui lòng liên hệ quản trị hệ thống.");
}

/** The second step of sign-in: the 6-digit code of the authenticator app. */
export async function completeMfa(username, session, code) {
  const cfg = await loadConfig();
  const data = await cognito("RespondToAuthChallenge", {
    ChallengeName: "SOFTWARE_TOKEN_MFA",
    ClientId: cfg.clientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
  });
  if (!data.AuthenticationResult) throw new ApiError(400, "challenge", "Không xác thực được. Vui lòng thử lại.");
  acceptAuthResult(username, data.AuthenticationResult);
}

/** MFA status of the signed-in officer (Cognito GetUser with the access token). */
export async function mfaStatus() {
  const access = sessionStorage.getItem(ACCESS_KEY);
  if (!access) return { known: false, enabled: false };
  const data = await cognito("GetUser", { AccessToken: access });
  const list = data.UserMFASettingList || [];
  return { known: true, enabled: list.includes("SOFTWARE_TOKEN_MFA") || data.PreferredMfaSetting === "SOFTWARE_TOKEN_MFA" };
}

/** Step 1 of TOTP set-up: Cognito gives the secret the authenticator app stores. */
export async function startTotpSetup() {
  const access = sessionStorage.getItem(ACCESS_KEY);
  if (!access) throw new ApiError(401, "unauthenticated", "Vui lòng đăng nhập lại để bật xác thực hai lớp.");
  const data = await cognito("AssociateSoftwareToken", { AccessToken: access });
  return data.SecretCode;
}

/** Step 2: the first code from the app proves it works; then TOTP becomes required at sign-in. */
export async function finishTotpSetup(code, device = "Ứng dụng xác thực") {
  const access = sessionStorage.getItem(ACCESS_KEY);
  const verified = await cognito("VerifySoftwareToken", { AccessToken: access, UserCode: code, FriendlyDeviceName: device });
  if (verified.Status && verified.Status !== "SUCCESS") throw new ApiError(400, "mfa", "Mã xác thực không đúng.");
  await cognito("SetUserMFAPreference", { AccessToken: access, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
}

export async function completeNewPassword(username, session, newPassword) {
  const cfg = await loadConfig();
  const data = await cognito("RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: cfg.clientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  if (!data.AuthenticationResult) throw new ApiError(400, "challenge", "Không đổi được mật khẩu.");
  acceptAuthResult(username, data.AuthenticationResult);
}

/** Sign out for real: Cognito revokes the refresh token (RevokeToken) and every token of the
 * officer's sessions (GlobalSignOut), then the tab forgets them. Failures still clear the tab. */
export async function signOut() {
  const access = sessionStorage.getItem(ACCESS_KEY);
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  sessionStorage.removeItem(ACCESS_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  clearTimeout(expiryTimer);
  const cfg = config;
  const calls = [];
  if (refresh && cfg) calls.push(cognito("RevokeToken", { Token: refresh, ClientId: cfg.clientId }));
  if (access) calls.push(cognito("GlobalSignOut", { AccessToken: access }));
  await Promise.allSettled(calls);
}

function queryString(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const STATUS_MESSAGES = {
  400: "Dữ liệu gửi lên chưa hợp lệ.",
  403: "Anh/chị không có quyền thực hiện thao tác này.",
  404: "Không tìm thấy dữ liệu yêu cầu (có thể đã bị xóa hoặc thuộc đơn vị khác).",
  409: "Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại rồi thử lại.",
  422: "Dữ liệu gửi lên chưa hợp lệ.",
  429: "Thao tác quá nhanh. Vui lòng thử lại sau ít giây.",
};

/** Calls the officer API. `raw` returns the Response (for CSV downloads). */
export async function api(path, { method = "GET", query, body, raw = false, headers = {} } = {}) {
  const cfg = await loadConfig();
  const token = currentToken();
  if (!token) throw new ApiError(401, "unauthenticated", "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.");
  const init = { method, headers: { Authorization: `Bearer ${token}`, ...headers } };
  if (body instanceof Blob || typeof body === "string") {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(cfg.apiBase + path + queryString(query), init);
  } catch {
    throw new ApiError(0, "network", "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.");
  }
  if (response.status === 401) {
    endSession("expired");
    throw new ApiError(401, "unauthenticated", "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.");
  }
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    const err = data.error || {};
    const fallback = STATUS_MESSAGES[response.status] || "Máy chủ đang gặp sự cố. Vui lòng thử lại sau.";
    throw new ApiError(response.status, err.code || String(response.status), err.message || fallback, err.details);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** The list in a response, whatever the route calls it. */
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  for (const key of [...keys, "items", "results", "data"]) {
    if (Array.isArray(data[key])) return data[key];
  }
  return [];
}
