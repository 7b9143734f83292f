"""API keys, kept in the vault's home as SHA-256 hashes (a key is 256 random bits, so a fast
hash is enough: there is nothing to brute-force). The key itself is shown once, at creation."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from policyvault.domain.errors import InvalidInput, NotFound

ROLES = ("admin", "privacy_officer", "handler", "service", "auditor")
PREFIX = "pvk_"


@dataclass(frozen=True)
class ApiKey:
    id: str
    role: str
    actor_id: str
    created_at: str
    key_hash: str
    revoked_at: str | None = None


class FileApiKeyStore:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def create(self, role: str, actor_id: str, now: datetime) -> tuple[ApiKey, str]:
        if role not in ROLES:
            raise InvalidInput(f"role {role!r} is not one of: {', '.join(ROLES)}")
        if not actor_id or not all(c.isalnum() or c in "-_.:" for c in actor_id):
            raise InvalidInput("an actor id is letters, digits and - _ . :")
        key_id = secrets.token_hex(4)
        secret = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(key_id, role, actor_id, now.isoformat(), _hash(secret))
        with self._lock:
            keys = self._load()
            keys.append(record)
            self._save(keys)
        return record, secret

    def authenticate(self, secret: str) -> ApiKey | None:
        if not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        digest = _hash(secret)
        for key in self._load():
            if key.revoked_at is None and hmac.compare_digest(key.key_hash, digest):
                return key
        return None

    def revoke(self, key_id: str, now: datetime) -> None:
        with self._lock:
            keys = self._load()
            for index, key in enumerate(keys):
                if key.id == key_id and key.revoked_at is None:
                    keys[index] = ApiKey(**{**asdict(key), "revoked_at": now.isoformat()})
                    self._save(keys)
                    return
        raise NotFound(f"no active API key {key_id!r}")

    def all(self) -> list[ApiKey]:
        return self._load()

    def _load(self) -> list[ApiKey]:
        if not self._path.exists():
            return []
        return [ApiKey(**row) for row in json.loads(self._path.read_text(encoding="utf-8"))]

    def _save(self, keys: list[ApiKey]) -> None:
        temporary = self._path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([asdict(k) for k in keys], handle, indent=2)
        os.replace(temporary, self._path)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
