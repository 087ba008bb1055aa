"""State that survives a restart of `make run`: moto's backends and what the deployment created.

The state lives in `.localcloud/state/` (or `$LOCAL_STATE_DIR`): `moto.pickle` holds every emulated
service's backend (tables and items, queues and their messages, buckets and objects, secrets, keys,
the user pool and its officers) and `deployment.json` the physical ids the template's resources got.
It is written when the local cloud stops and every few seconds while something changed (atomically:
a new file renamed over the old one), and read when it starts. Messages that were in flight when the
cloud stopped (received, not yet deleted) are visible again at once: the invocation that held them is
gone, as after a crashed Lambda, and their receive count still leads to the dead-letter queue.
`make reset` deletes the folder.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import json
import logging
import os
import pickle  # nosec B403 - local state files the stack itself writes, never untrusted input
import threading
from pathlib import Path
from typing import Any

from localcloud.template import ROOT

log = logging.getLogger("localcloud.state")

SERVICES = ("dynamodb", "sqs", "s3", "secretsmanager", "kms", "cognito-idp", "sns")
FORMAT = 1


def default_state_dir() -> Path:
    return Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".localcloud" / "state")


def _load_private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, None)


def _reduce_private_key(key: Any) -> tuple[Any, tuple[bytes]]:
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _load_private_key, (pem,)


class _Pickler(pickle.Pickler):
    """moto's models hold locks (recreated empty) and cryptography keys (kept as PEM)."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[type(threading.RLock())] = lambda _lock: (threading.RLock, ())
    dispatch_table[type(threading.Lock())] = lambda _lock: (threading.Lock, ())

    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        if isinstance(obj, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            return _reduce_private_key(obj)
        return NotImplemented


def snapshot_backends() -> bytes:
    """moto's backends of the services the template uses, pickled (call with moto quiet)."""
    from moto.backends import get_backend

    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        {"format": FORMAT, "backends": {name: dict(get_backend(name)) for name in SERVICES}}  # type: ignore[call-overload]
    )
    return buffer.getvalue()


def restore_backends(data: bytes) -> None:
    from moto.backends import get_backend

    loaded = pickle.loads(data)  # noqa: S301  # nosec B301 - our own file, written by snapshot_backends
    if loaded.get("format") != FORMAT:
        raise ValueError("state written by another version of the local cloud")
    for name, accounts in loaded["backends"].items():
        backend = get_backend(name)  # type: ignore[call-overload]
        backend.clear()
        backend.update(accounts)
        # Register the restored accounts with moto's reset list, as a first use would: otherwise the
        # next `mock_aws()` reset skips this service and its state leaks into the next test.
        for account_id in accounts:
            backend._create_account_specific_backend(account_id)
    _release_in_flight()


def _release_in_flight() -> None:
    from moto.backends import get_backend

    for account in get_backend("sqs").values():
        for region in account.values():
            for queue in region.queues.values():
                for message in list(queue._pending_messages):
                    message.visible_at = 0.0
                queue._pending_messages = set()


class StateStore:
    """The state folder: save (atomically) and load moto's backends and the deployment's ids."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    @property
    def moto_file(self) -> Path:
        return self.directory / "moto.pickle"

    @property
    def deployment_file(self) -> Path:
        return self.directory / "deployment.json"

    def exists(self) -> bool:
        return self.moto_file.is_file() and self.deployment_file.is_file()

    def save(self, backends: bytes, deployment: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for path, data in (
            (self.moto_file, backends),
            (self.deployment_file, json.dumps(deployment, indent=1, sort_keys=True).encode()),
        ):
            temporary = path.with_suffix(path.suffix + ".tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)

    def load(self) -> dict[str, Any] | None:
        """Restore moto's backends; returns the saved deployment (None: no usable state)."""
        if not self.exists():
            return None
        try:
            deployment: dict[str, Any] = json.loads(self.deployment_file.read_text(encoding="utf-8"))
            restore_backends(self.moto_file.read_bytes())
        except Exception:
            log.exception("could not read the saved state in %s; starting empty", self.directory)
            with contextlib.suppress(Exception):
                from moto.backends import get_backend

                for name in SERVICES:
                    get_backend(name).clear()  # type: ignore[call-overload]
            return None
        return deployment
