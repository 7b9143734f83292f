"""The one place that wires storage, keys and the clock from settings.

A vault lives in a home directory (``POLICYVAULT_HOME``, default ``./var``):

    vault.json              mode (sandbox | production), database URL, creation time
    master.key              the master key, 0600 (unless POLICYVAULT_MASTER_KEY is set);
                            master.key.new / master.key.old-<key id> around a rotation
    blind-index.key         the blind-index key, wrapped by the master key, 0600
    shredding-keys.db       the subjects' shredding keys, 0600: outside the database, and to
                            be kept out of its backups (docs/keys.md)
    separate-store.db       SQLite only: the separate store, 0600, what only a statute still
                            requires (on PostgreSQL: the schema ``policyvault_separate``)
    audit-signing-key.pem   the audit log's Ed25519 key, 0600
    clock.json              sandbox only: the simulated clock's offset
    api-keys.json           API keys (hashes only) and their roles, 0600
    policyvault.db          the SQLite database (unless POLICYVAULT_DATABASE_URL names another)

The policy's versions and their texts live in the database (``vault_policy_versions``), in
the transactions of the records they govern: ``init`` stores version 1, ``policy apply``
schedules the next ones, and opening the vault activates the versions now due. (A home made
before that kept version 1 in ``policies/v1.yaml``; opening it stores that file as version 1.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from policyvault.crypto.key_files import (
    MASTER_KEY_ENV,
    MASTER_KEY_FILE,
    KeyFiles,
    create_key_file,
    load_master_key,
    parse_master_key,
)
from policyvault.crypto.keys import KeyProvider, KeyRing, LocalKeyProvider
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.clock import Clock, SystemClock
from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy_versions import PolicyVersion
from policyvault.services.audit import AuditLog
from policyvault.services.outbox.smtp import Sender, SmtpSender, smtp_settings
from policyvault.services.policy_versions import (
    activate_due_versions,
    policy_from_text,
    policy_in_force,
    read_policy_source,
    record_first_version,
)
from policyvault.services.ports import VaultStore
from policyvault.services.requests.facade import RequestDesk
from policyvault.services.requests.settings import RequestSettings
from policyvault.services.vault import Vault, VaultContext
from policyvault.services.vault.context import POLICY_CLOCK
from policyvault.services.vault.keys import RewrapReport, count_subjects, rewrap_data_keys
from policyvault.storage.api_keys import FileApiKeyStore
from policyvault.storage.sandbox_clock import FileSandboxClock
from policyvault.storage.shredding_keys_sqlite import SqliteShreddingKeyStore

Mode = Literal["sandbox", "production"]
CONFIG = "vault.json"
MASTER_KEY = MASTER_KEY_FILE
SIGNING_KEY = "audit-signing-key.pem"
CLOCK = "clock.json"
API_KEYS = "api-keys.json"
SHREDDING_KEYS = "shredding-keys.db"
SEPARATE_STORE = "separate-store.db"
LEGACY_POLICY = Path("policies") / "v1.yaml"  # where homes made before version records kept it
INIT_ACTOR = Actor(id="svc.init", role="system")


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
    # The request desk's settings and the SMTP server (``vault.json`` sections of those
    # names; the environment overrides SMTP, and alone holds its password).
    requests: Mapping[str, Any] = field(default_factory=dict)
    smtp: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sandbox(self) -> bool:
        return self.mode == "sandbox"


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
    text = read_policy_source(policy_file)
    policy_from_text(text, str(policy_file))  # PolicyInvalid lists every error, nothing made
    url = database_url or env.get("POLICYVAULT_DATABASE_URL") or _default_url(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The database, the audit log and the key files live here: owner only, whatever the
    # umask made of the files inside.
    home.chmod(0o700)
    # The database first: an unreachable one must leave no half-made vault (keys written
    # but no schema) behind to block the next attempt.
    _upgrade(url)
    created: list[Path] = []
    try:
        created += _create_keys(home, env)
        _write_private(home / SIGNING_KEY, CheckpointSigner.generate().to_pem())
        created.append(home / SIGNING_KEY)
        config = VaultConfig(
            home=home,
            mode="sandbox" if sandbox else "production",
            database_url=url,
            created_at=datetime.now(UTC),
        )
        _record_first_policy(config, text)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
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
        requests=data.get("requests") or {},
        smtp=data.get("smtp") or {},
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
    clock: Clock
    audit: AuditLog
    vault: Vault
    _closers: tuple[Any, ...]
    environ: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def requests(self) -> RequestDesk:
        """The request desk: messages go by SMTP when a server is configured; without one
        they stay queued (sealed) and ``requests work`` reports them."""
        smtp = smtp_settings(self.config.smtp, self.environ)
        sender: Sender | None = SmtpSender(smtp) if smtp is not None else None
        settings = RequestSettings.from_mapping(self.config.requests)
        return RequestDesk(self.vault.context, settings, sender=sender)

    @property
    def policy(self) -> Policy:
        """The policy in force now (it changes when a scheduled version takes effect)."""
        return self.vault.context.policy

    def close(self) -> None:
        for closer in self._closers:
            closer.close()


def open_vault(
    home: Path, environ: Mapping[str, str] | None = None, *, keys: KeyRing | None = None
) -> VaultRuntime:
    """The vault in ``home``, ready to use; ``keys`` replaces the master keys the home and the
    environment give (a rotation adds the key it moves to)."""
    env = os.environ if environ is None else environ
    config = read_config(home, env)
    clock = vault_clock(config)
    key_files = KeyFiles(home, env)
    keys = key_files.ring() if keys is None else keys
    blind_index_key = key_files.blind_index_key(keys)
    signer = CheckpointSigner.from_pem((home / SIGNING_KEY).read_bytes())
    audit_store, vault_store = _stores(config.database_url)
    audit = AuditLog(audit_store, clock, signer=signer)
    shredding_keys: SqliteShreddingKeyStore | None = None
    separate: Any = None
    try:
        shredding_keys = SqliteShreddingKeyStore(home / SHREDDING_KEYS)
        separate = _separate_store(home, vault_store.engine)
        _upgrade_if_behind(vault_store.engine)
        version, policy = policy_in_force(vault_store, clock.now()) or _adopt_legacy_policy(
            config, vault_store, audit
        )
        context = VaultContext(
            store=vault_store,
            audit=audit,
            keys=keys,
            blind_index_key=blind_index_key,
            shredding_keys=shredding_keys,
            separate=separate,
            policy=policy,
            clock=clock,
            policy_sha256=version.sha256,
        )
        activate_due_versions(context, POLICY_CLOCK)
    except BaseException:
        audit_store.close()
        for opened in (shredding_keys, separate):
            if opened is not None:
                opened.close()
        raise
    return VaultRuntime(
        config, clock, audit, Vault(context), (audit_store, shredding_keys, separate), env
    )


@dataclass(frozen=True)
class Rotation:
    """What ``rotate_master_key`` did."""

    key_id: str  # the master key everything is now wrapped by
    previous_key_ids: tuple[str, ...]  # the other master keys that were loaded
    report: RewrapReport
    blind_index_rewrapped: bool
    retired: Path | None  # where the replaced key file is kept (key files only)
    from_environment: bool  # the master key is POLICYVAULT_MASTER_KEY: switch it


def rotate_master_key(
    home: Path,
    actor: Actor,
    *,
    generate: bool = False,
    new_key_file: Path | None = None,
    new_key_env: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Rotation:
    """Rotate the master key online, or finish a rotation that was interrupted.

    1. The new key is staged in ``master.key.new`` (``--generate`` / ``--new-key-file``), or
       read from the variable ``new_key_env``; with none of them, a staged key is resumed,
       else every record is swept to the current key (re-wrapping what a process still on an
       older key wrote meanwhile).
    2. Every data key is re-wrapped, a batch per transaction, each audited.
    3. The blind-index key file is re-wrapped (atomic replace).
    4. Key files: ``master.key`` is kept as ``master.key.old-<key id>`` and the staged key
       renamed over it. With the environment, the operator switches the variable.

    Each step can be interrupted and the whole run again: any process opening the vault
    meanwhile loads every key file present, and each record names the key that wraps it.
    """
    env = os.environ if environ is None else environ
    key_files = KeyFiles(home, env)
    if generate + (new_key_file is not None) + (new_key_env is not None) > 1:
        raise InvalidInput("give at most one of --generate, --new-key-file and --new-key-env")
    target = _rotation_target(key_files, generate, new_key_file, new_key_env)
    ring = key_files.ring().with_key(target)
    runtime = open_vault(home, env, keys=ring)
    try:
        context = runtime.vault.context
        total = count_subjects(context)
        report = rewrap_data_keys(
            context,
            target,
            actor,
            batch_size=batch_size,
            progress=None if progress is None else (lambda done: progress(done, total)),
        )
        blind_index = key_files.rewrap_blind_index_key(ring, target)
        staged = key_files.staged_provider()
        retired = key_files.retire() if staged is not None else None
        previous = tuple(k for k in ring.key_ids if k != target.key_id)
        context.record(
            None,
            actor,
            "keys.rotate",
            Decision.allow("key_rotation", "data keys and blind-index key re-wrapped"),
            details={
                "key_id": target.key_id,
                "previous_key_ids": list(previous),
                "rewrapped": report.rewrapped,
                "unreadable": report.unreadable,
                "blind_index_rewrapped": blind_index,
            },
        )
    finally:
        runtime.close()
    return Rotation(
        target.key_id, previous, report, blind_index, retired, key_files.from_environment
    )


def _rotation_target(
    key_files: KeyFiles, generate: bool, new_key_file: Path | None, new_key_env: str | None
) -> KeyProvider:
    if key_files.from_environment:
        if generate or new_key_file is not None:
            raise Refused(
                f"the master key is {MASTER_KEY_ENV}: give the new one with --new-key-env NAME"
            )
        if new_key_env is None:
            return key_files.current()
        value = key_files.environ.get(new_key_env)
        if value is None:
            raise InvalidInput(f"{new_key_env} is not set")
        target = LocalKeyProvider(parse_master_key(value, new_key_env))
        if target.key_id == key_files.current().key_id:
            raise Refused(f"{new_key_env} holds the current master key ({target.key_id})")
        return target
    if new_key_env is not None:
        raise Refused(
            f"the master key is the key file {key_files.master}: "
            "give the new one with --generate or --new-key-file PATH"
        )
    if generate:
        return key_files.stage(None)
    if new_key_file is not None:
        return key_files.stage(load_master_key(new_key_file, {}))
    return key_files.staged_provider() or key_files.current()


def _record_first_policy(config: VaultConfig, text: str) -> None:
    audit_store, vault_store = _stores(config.database_url)
    try:
        audit = AuditLog(audit_store, vault_clock(config))
        record_first_version(vault_store, audit, text, config.created_at, INIT_ACTOR)
    finally:
        audit_store.close()


def _adopt_legacy_policy(
    config: VaultConfig, store: VaultStore, audit: AuditLog
) -> tuple[PolicyVersion, Policy]:
    """A home made before policy versions were vault records: its file becomes version 1."""
    path = config.home / LEGACY_POLICY
    if not path.exists():
        raise NotFound(f"the vault's database holds no policy version ({config.home})")
    text = read_policy_source(path)
    policy = policy_from_text(text, str(path))
    return record_first_version(store, audit, text, config.created_at, INIT_ACTOR), policy


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


def _separate_store(home: Path, engine: Any) -> Any:
    """Its own SQLite file beside a SQLite vault; its own schema in a PostgreSQL one."""
    from policyvault.storage.separate_sql import SqlSeparateStore

    if engine.dialect.name == "sqlite":
        return SqlSeparateStore.sqlite(home / SEPARATE_STORE)
    return SqlSeparateStore.postgres(engine, pool_of_its_own=True)


def _upgrade(url: str) -> None:
    from policyvault.storage.migrate import upgrade_database

    upgrade_database(url)


def _upgrade_if_behind(engine: Any) -> None:
    """A vault made by an earlier release gets the tables this one needs."""
    from policyvault.storage.migrate import current_revision, head_revision, upgrade_database

    if current_revision(engine) != head_revision():
        upgrade_database(engine)


def _default_url(home: Path) -> str:
    return f"sqlite:///{(home / 'policyvault.db').resolve()}"


def _create_keys(home: Path, env: Mapping[str, str]) -> list[Path]:
    """The master key file (unless the environment holds the key), the wrapped blind-index
    key and the empty shredding-key store; the paths made, for the caller to undo."""
    key_files = KeyFiles(home, env)
    created: list[Path] = []
    try:
        if not key_files.from_environment:
            create_key_file(key_files.master)
            created.append(key_files.master)
        key_files.create_blind_index_key(key_files.current())
        created.append(key_files.blind_index)
        SqliteShreddingKeyStore.create(home / SHREDDING_KEYS).close()
        created.append(home / SHREDDING_KEYS)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return created


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
    }
    (config.home / CONFIG).write_text(json.dumps(data, indent=2), encoding="utf-8")
