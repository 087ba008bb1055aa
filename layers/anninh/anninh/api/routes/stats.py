"""Placeholder router; the owning area fills it in."""

from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()
