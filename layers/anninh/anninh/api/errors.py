"""One error body for the whole officer API: {"error": {"code", "message", "details"}}.

Route code raises these (or a domain error that the resolver maps to one of these); the resolver turns
them into responses. Messages are Vietnamese for the console; codes are stable English identifiers.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types


class ApiError(Exception):
    status: HTTPStatus = HTTPStatus.BAD_REQUEST
    code: str = "bad_request"
    default_message: str = "Yêu cầu không hợp lệ."

    def __init__(self, message: str | None = None, details: Any = None, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.details = details
        if code:
            self.code = code
        super().__init__(self.message)


class BadRequest(ApiError):
    status = HTTPStatus.BAD_REQUEST
    code = "bad_request"


class Unauthorized(ApiError):
    status = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"
    default_message = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."


class Forbidden(ApiError):
    status = HTTPStatus.FORBIDDEN
    code = "forbidden"
    default_message = "Tài khoản không có quyền thực hiện thao tác này."


class QuotaExceeded(ApiError):
    status = HTTPStatus.CONFLICT
    code = "quota_exceeded"
    default_message = "Hạn mức tin của Zalo không đủ."


class NotFound(ApiError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"
    default_message = "Không tìm thấy."


class Conflict(ApiError):
    status = HTTPStatus.CONFLICT
    code = "conflict"
    default_message = "Dữ liệu đã thay đổi; vui lòng tải lại và thử lại."


class Unprocessable(ApiError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "validation_error"
    default_message = "Dữ liệu gửi lên không hợp lệ."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(code, message, details), ensure_ascii=False, default=str),
    )


def to_response(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.details)
