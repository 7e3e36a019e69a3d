"""The key file: the store's data key wrapped once per user.

The SQLCipher database is keyed with a random 256-bit data key. Each user's passphrase
goes through Argon2id to a key-encryption key that wraps the data key with AES-256-GCM.
A passphrase change re-wraps; the database is never re-encrypted for it. The wrap's
associated data binds it to the store, the user and the KDF settings, so a wrap cannot be
moved to another user or have its KDF cost lowered without failing to open.

The file holds user names and ids (needed to choose a user before unlocking) and nothing
about cases.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.errors import KdfTooWeak, KeyFileMissing, WrongPassphrase
from storage.files import atomic_write
from storage.key_memory import zero, zero_immutable

FORMAT = "himaya-keys"
VERSION = 1


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int

    def check(self) -> None:
        floor = MINIMUM_KDF
        if (self.memory_kib < floor.memory_kib or self.iterations < floor.iterations
                or self.lanes < floor.lanes):
            raise KdfTooWeak(detail=f"{self.memory_kib} KiB, {self.iterations} passes, {self.lanes} lanes")

    def derive(self, passphrase: str, salt: bytes) -> bytearray:
        """The key-encryption key, in a buffer the caller wipes (``storage.key_memory``)."""
        self.check()
        kdf = Argon2id(salt=salt, length=32, iterations=self.iterations, lanes=self.lanes,
                       memory_cost=self.memory_kib)
        encoded = passphrase.encode("utf-8")
        kek = bytearray(32)
        try:
            kdf.derive_into(encoded, kek)
        finally:
            zero_immutable(encoded)
        return kek


#: The floor of SECURITY.md: never weaker than 64 MiB, 3 passes, 4 lanes.
MINIMUM_KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
#: Tuned so that unlocking takes about half a second on a field laptop.
DEFAULT_KDF = KdfParams(memory_kib=256 * 1024, iterations=3, lanes=4)


def kdf_from_environment() -> KdfParams:
    """``HIMAYA_KDF=minimum`` selects the floor for new wraps (tests, low-memory machines)."""
    return MINIMUM_KDF if os.environ.get("HIMAYA_KDF") == "minimum" else DEFAULT_KDF


@dataclass(frozen=True)
class Wrap:
    user_id: str
    username: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_key: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "kdf": {"name": "argon2id", **asdict(self.kdf)},
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped_key),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Wrap":
        kdf = raw["kdf"]
        if kdf.get("name") != "argon2id":
            raise ValueError("unknown KDF")
        return cls(
            user_id=str(raw["user_id"]),
            username=str(raw["username"]),
            kdf=KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"])),
            salt=_unb64(raw["salt"]),
            nonce=_unb64(raw["nonce"]),
            wrapped_key=_unb64(raw["wrapped_key"]),
        )


def _aad(store_id: str, user_id: str, username: str, kdf: KdfParams) -> bytes:
    return (f"himaya-keywrap-v1|{store_id}|{user_id}|{username}|"
            f"{kdf.memory_kib}|{kdf.iterations}|{kdf.lanes}").encode("utf-8")


def wrap_key(store_id: str, user_id: str, username: str, passphrase: str, data_key: bytes | bytearray,
             kdf: KdfParams) -> Wrap:
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = kdf.derive(passphrase, salt)
    try:
        wrapped = AESGCM(kek).encrypt(nonce, data_key, _aad(store_id, user_id, username, kdf))
    finally:
        zero(kek)
    return Wrap(user_id, username, kdf, salt, nonce, wrapped)


def unwrap_key(store_id: str, wrap: Wrap, passphrase: str) -> bytearray:
    """The data key, in a buffer the caller wipes when done (``storage.key_memory``)."""
    wrap.kdf.check()  # refuse a key file that asks for a cheaper KDF than allowed
    if len(wrap.wrapped_key) != 32 + 16:
        raise WrongPassphrase()  # not a wrapped 256-bit key: no passphrase opens it
    kek = wrap.kdf.derive(passphrase, wrap.salt)
    data_key = bytearray(32)
    try:
        AESGCM(kek).decrypt_into(wrap.nonce, wrap.wrapped_key,
                                 _aad(store_id, wrap.user_id, wrap.username, wrap.kdf), data_key)
    except InvalidTag:
        raise WrongPassphrase() from None
    finally:
        zero(kek)
    return data_key


@dataclass
class KeyFile:
    """The parsed key file of a store folder."""

    path: Path
    store_id: str
    wraps: list[Wrap]

    @classmethod
    def new(cls, path: Path, store_id: str) -> "KeyFile":
        return cls(Path(path), store_id, [])

    @classmethod
    def load(cls, path: Path) -> "KeyFile":
        path = Path(path)
        try:
            raw = json.loads(path.read_bytes().decode("utf-8"))
            if raw.get("format") != FORMAT or raw.get("version") != VERSION:
                raise ValueError("not a Himaya key file")
            wraps = [Wrap.from_json(w) for w in raw["users"]]
            return cls(path, str(raw["store_id"]), wraps)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyFileMissing(path=str(path.parent)) from exc

    def save(self) -> None:
        body = {
            "format": FORMAT,
            "version": VERSION,
            "store_id": self.store_id,
            "users": [w.to_json() for w in self.wraps],
        }
        atomic_write(self.path, json.dumps(body, indent=2).encode("utf-8"))

    def find(self, username: str) -> Wrap | None:
        return next((w for w in self.wraps if w.username == username), None)

    def put(self, wrap: Wrap) -> None:
        self.wraps = [w for w in self.wraps if w.user_id != wrap.user_id] + [wrap]

    def remove(self, user_id: str) -> None:
        self.wraps = [w for w in self.wraps if w.user_id != user_id]

    def usernames(self) -> list[str]:
        return sorted(w.username for w in self.wraps)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
