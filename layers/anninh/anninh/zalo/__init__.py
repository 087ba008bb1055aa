"""Zalo OA OpenAPI: the HTTP client, its error classes, message builders, per-OA tokens and the typed
models of the webhook events (`events`: intake parses them, cases read a citizen's message from them)."""
