"""A KMS stand-in for field encryption in unit tests (`anninh.crypto` takes it as `kms`)."""

from __future__ import annotations

import os


class FakeKms:
    """GenerateDataKey / Decrypt with a wrapping that only this fake can undo; counts calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._keys: dict[bytes, bytes] = {}

    def generate_data_key(self, KeyId: str, KeySpec: str) -> dict[str, bytes]:
        self.calls.append("GenerateDataKey")
        plain, wrapped = os.urandom(32), os.urandom(48)
        self._keys[wrapped] = plain
        return {"Plaintext": plain, "CiphertextBlob": wrapped}

    def decrypt(self, CiphertextBlob: bytes) -> dict[str, bytes]:
        self.calls.append("Decrypt")
        return {"Plaintext": self._keys[CiphertextBlob]}
