"""App secrets for signature checks, cached in memory so a warm webhook never fetches per message.

The cache holds every app's OA secret key for `ttl` seconds. An unknown app_id triggers at most one
refresh per `miss_refresh_interval`, so requests naming random apps cannot turn into a Secrets Manager
call each (and a newly registered app is picked up within that interval).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from anninh.registry import App

Loader = Callable[[], list[App]]


class AppSecretCache:
    def __init__(
        self,
        loader: Loader | None = None,
        ttl: float = 300.0,
        miss_refresh_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._ttl = ttl
        self._miss_interval = miss_refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._loaded_at: float | None = None

    def _load(self) -> None:
        loader = self._loader
        if loader is None:
            from anninh.registry.store import load_app_secrets

            loader = load_app_secrets
        self._secrets = {a.app_id: a.oa_secret_key for a in loader()}
        self._loaded_at = self._clock()

    def oa_secret_key(self, app_id: str) -> str | None:
        with self._lock:
            now = self._clock()
            expired = self._loaded_at is None or now - self._loaded_at > self._ttl
            missing = app_id not in self._secrets and (
                self._loaded_at is None or now - self._loaded_at > self._miss_interval
            )
            if expired or missing:
                self._load()
            return self._secrets.get(app_id)

    def forget(self) -> None:
        with self._lock:
            self._secrets = {}
            self._loaded_at = None
