"""Zalo OA OpenAPI: the HTTP client, its error classes, message builders and per-OA tokens."""
