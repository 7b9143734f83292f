"""The one place that wires storage, keys and the clock from settings.

A vault lives in a home directory (``POLICYVAULT_HOME``, default ``./var``):

    vault.json              mode (sandbox | production), database URL, creation time
    master.key              the master key, 0600 (unless POLICYVAULT_MASTER_KEY is set)
    audit-signing-key.pem   the audit log's Ed25519 key, 0600
    policies/v1.yaml        the policy versions, as applied
    clock.json              sandbox only: the simulated clock's offset
    api-keys.json           API keys (hashes only) and their roles, 0600
    policyvault.db          the SQLite database (unless POLICYVAULT_DATABASE_URL names another)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from policyvault.crypto.keys import LocalKeyProvider, create_key_file, load_master_key
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.clock import Clock, SystemClock
from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.domain.policy.model import Policy
from policyvault.services.audit import AuditLog
from policyvault.services.policy_files import load_policy
from policyvault.services.vault import Vault, VaultContext
from policyvault.storage.api_keys import FileApiKeyStore
from policyvault.storage.sandbox_clock import FileSandboxClock

Mode = Literal["sandbox", "production"]
CONFIG = "vault.json"
MASTER_KEY = "master.key"
SIGNING_KEY = "audit-signing-key.pem"
CLOCK = "clock.json"
API_KEYS = "api-keys.json"


def production_clock() -> Clock:
    return SystemClock()


def vault_home(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("POLICYVAULT_HOME", "var"))


@dataclass(frozen=True)
class VaultConfig:
    home: Path
    mode: Mode
    database_url: str
    created_at: datetime
    policy_versions: int

    @property
    def sandbox(self) -> bool:
        return self.mode == "sandbox"

    def policy_path(self, version: int | None = None) -> Path:
        return self.home / "policies" / f"v{version or self.policy_versions}.yaml"


def init_vault(
    home: Path,
    policy_file: Path,
    *,
    database_url: str | None = None,
    sandbox: bool = False,
    environ: Mapping[str, str] | None = None,
) -> VaultConfig:
    """Create a vault: schema, keys, the first policy version. Refuses an existing vault."""
    env = os.environ if environ is None else environ
    if (home / CONFIG).exists():
        raise Refused(f"{home} already holds a vault")
    load_policy(policy_file)  # PolicyInvalid lists every error before anything is created
    url = database_url or env.get("POLICYVAULT_DATABASE_URL") or _default_url(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The database first: an unreachable one must leave no half-made vault (keys written
    # but no schema) behind to block the next attempt.
    _upgrade(url)
    created: list[Path] = []
    try:
        if "POLICYVAULT_MASTER_KEY" not in env:
            create_key_file(home / MASTER_KEY)
            created.append(home / MASTER_KEY)
        _write_private(home / SIGNING_KEY, CheckpointSigner.generate().to_pem())
        created.append(home / SIGNING_KEY)
        (home / "policies").mkdir(exist_ok=True)
        shutil.copyfile(policy_file, home / "policies" / "v1.yaml")
        created.append(home / "policies" / "v1.yaml")
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    config = VaultConfig(
        home=home,
        mode="sandbox" if sandbox else "production",
        database_url=url,
        created_at=datetime.now(UTC),
        policy_versions=1,
    )
    _write_config(config, explicit_url=database_url)
    return config


def read_config(home: Path, environ: Mapping[str, str] | None = None) -> VaultConfig:
    env = os.environ if environ is None else environ
    path = home / CONFIG
    if not path.exists():
        raise NotFound(f"no vault in {home}: create one with `policyvault init --policy FILE`")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    url = env.get("POLICYVAULT_DATABASE_URL") or data.get("database_url") or _default_url(home)
    return VaultConfig(
        home=home,
        mode=data["mode"],
        database_url=url,
        created_at=datetime.fromisoformat(data["created_at"]),
        policy_versions=int(data["policy_versions"]),
    )


def api_keys(config: VaultConfig) -> FileApiKeyStore:
    return FileApiKeyStore(config.home / API_KEYS)


def vault_clock(config: VaultConfig) -> Clock:
    return FileSandboxClock(config.home / CLOCK) if config.sandbox else SystemClock()


def sandbox_clock(config: VaultConfig) -> FileSandboxClock:
    """The simulated clock; a production vault refuses to have one."""
    if not config.sandbox:
        raise Refused("this is a production vault: its clock is the real one")
    return FileSandboxClock(config.home / CLOCK)


@dataclass
class VaultRuntime:
    config: VaultConfig
    policy: Policy
    clock: Clock
    audit: AuditLog
    vault: Vault
    _closers: tuple[Any, ...]

    def close(self) -> None:
        for closer in self._closers:
            closer.close()


def open_vault(home: Path, environ: Mapping[str, str] | None = None) -> VaultRuntime:
    env = os.environ if environ is None else environ
    config = read_config(home, env)
    policy = load_policy(config.policy_path())
    clock = vault_clock(config)
    keys = LocalKeyProvider(load_master_key(_key_file(home, env), env))
    signer = CheckpointSigner.from_pem((home / SIGNING_KEY).read_bytes())
    audit_store, vault_store = _stores(config.database_url)
    audit = AuditLog(audit_store, clock, signer=signer)
    vault = Vault(
        VaultContext(store=vault_store, audit=audit, keys=keys, policy=policy, clock=clock)
    )
    return VaultRuntime(config, policy, clock, audit, vault, (audit_store,))


def _stores(url: str) -> tuple[Any, Any]:
    from sqlalchemy.engine import make_url

    from policyvault.storage.audit_sql import (
        PostgresAuditStore,
        SqliteAuditStore,
        postgres_engine,
        sqlite_engine,
    )
    from policyvault.storage.vault_sql import PostgresVaultStore, SqliteVaultStore

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sqlite_engine(Path(parsed.database or ""))
        return SqliteAuditStore(engine, owns_engine=True), SqliteVaultStore(engine)
    if parsed.get_backend_name() == "postgresql":
        engine = postgres_engine(url)
        return PostgresAuditStore(engine, owns_engine=True), PostgresVaultStore(engine)
    raise InvalidInput("the vault runs on sqlite:/// or postgresql:// database URLs")


def _upgrade(url: str) -> None:
    from policyvault.storage.migrate import upgrade_database

    upgrade_database(url)


def _default_url(home: Path) -> str:
    return f"sqlite:///{(home / 'policyvault.db').resolve()}"


def _key_file(home: Path, env: Mapping[str, str]) -> Path | None:
    return None if "POLICYVAULT_MASTER_KEY" in env else home / MASTER_KEY


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_config(config: VaultConfig, *, explicit_url: str | None) -> None:
    data = {
        "mode": config.mode,
        # A URL given on the command line is kept; one from the environment stays there
        # (it may carry a password).
        "database_url": explicit_url,
        "created_at": config.created_at.isoformat(),
        "policy_versions": config.policy_versions,
    }
    (config.home / CONFIG).write_text(json.dumps(data, indent=2), encoding="utf-8")
