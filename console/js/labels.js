// Vietnamese labels (docs: /work/shared/glossary.md; same as anninh.cases.model).

export const STATUS_LABELS = {
  new: "Mới tiếp nhận",
  in_review: "Đang xác minh",
  verified: "Đã xác minh",
  forwarded: "Đã chuyển đơn vị",
  resolved: "Đã giải quyết",
  rejected: "Không đủ cơ sở",
  spam: "Tin rác",
};

export const OUTCOME_LABELS = {
  arrest: "Bắt giữ đối tượng",
  prevented: "Ngăn chặn kịp thời",
  recovered_goods: "Thu hồi tài sản",
  administrative_fine: "Xử phạt vi phạm hành chính",
  referred: "Chuyển cơ quan có thẩm quyền",
  no_action: "Không cần xử lý",
};

export const CAMPAIGN_STATUS_LABELS = {
  draft: "Nháp",
  scheduled: "Đã hẹn giờ",
  planning: "Đang chuẩn bị",
  running: "Đang gửi",
  sending: "Đang gửi",
  paused: "Tạm dừng",
  cancelled: "Đã huỷ",
  canceled: "Đã huỷ",
  completed: "Hoàn tất",
  done: "Hoàn tất",
  finished: "Hoàn tất",
  failed: "Lỗi",
};

export const INELIGIBLE_LABELS = {
  outside_window: "Quá hạn tương tác (ngoài cửa sổ 7 ngày)",
  window: "Quá hạn tương tác (ngoài cửa sổ 7 ngày)",
  window_expired: "Quá hạn tương tác (ngoài cửa sổ 7 ngày)",
  quiet_hours: "Trong giờ yên tĩnh",
  cap: "Đã đạt giới hạn tin trong ngày",
  capped: "Đã đạt giới hạn tin trong ngày",
  per_follower_cap: "Đã đạt giới hạn tin trong ngày",
  unfollowed: "Đã bỏ quan tâm OA",
  withdrawn: "Đã rút lại đồng ý nhận tin",
  blocked: "Bị chặn",
  follower_cap: "Đã nhận đủ số tin cho phép trong ngày/tháng",
  not_follower: "Không còn quan tâm OA",
  inactive: "Tài khoản không hoạt động",
  restricted: "Đã chặn loại tin này",
  recipient_limit: "Đã đạt giới hạn nhận tin",
  oa_error: "OA không gửi được tin",
  oa_token: "OA chưa kết nối hoặc mã truy cập không hợp lệ",
  invalid_request: "Nội dung tin không hợp lệ",
  outcome_unknown: "Không xác định được kết quả gửi",
};

export const STATS_LABELS = {
  followers: "Người quan tâm",
  follows: "Lượt quan tâm mới",
  unfollows: "Lượt bỏ quan tâm",
  messages_in: "Tin nhắn đến",
  messages_out: "Tin nhắn đi",
  inquiries: "Câu hỏi thủ tục",
  bot_answered: "Bot đã trả lời",
  tips: "Tin báo",
  tips_valuable: "Tin báo có giá trị",
  broadcast_sent: "Tin gửi hàng loạt",
};

export const ROLE_LABELS = {
  officer: "Cán bộ",
  commander: "Chỉ huy",
  editor: "Biên tập viên",
  admin: "Quản trị",
};

// Why a message to a citizen could not be delivered (anninh.sending.records.CAUSE_LABELS has the long text).
export const UNDELIVERED_CAUSE_LABELS = {
  window: "Quá 7 ngày chưa tương tác",
  recipient: "Người nhận không nhận được tin",
  oa: "OA bị Zalo từ chối",
  invalid: "Nội dung không hợp lệ",
  retries: "Lỗi kết nối với Zalo",
};

export function label(map, key) {
  return map[key] || key || "";
}
