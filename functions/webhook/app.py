"""POST /webhook/zalo: verify, deduplicate, store raw, hand off to the inbound queue, answer 200."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.intake.webhook import BadRequest, WebhookRequest, decode_body
from anninh.observability import logger, metrics


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, ensure_ascii=False),
    }


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = APIGatewayProxyEventV2(event)
    try:
        body = decode_body(request.body, bool(request.is_base64_encoded))
    except BadRequest as exc:
        return _response(exc.status, {"error": {"code": exc.code, "message": exc.message}})
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    result = wiring.webhook().handle(WebhookRequest(body=body, headers=headers))
    logger.info(
        "webhook",
        extra={"status": result.status, "event_name": result.event_name, "dedupe_key": result.dedupe_key},
    )
    return _response(result.status, result.body)
