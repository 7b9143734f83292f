"""The vault's keys as an operator meets them, on a vault home with SQLite: `policyvault keys
rotate` (online, resumable, key file or environment), crypto-shredding against a copy of the
database file taken before, and a ciphertext swapped between rows answered by the HTTP API with
the one opaque error."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import stat
from collections.abc import Iterator, Mapping
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from policyvault.api.app import create_app
from policyvault.bootstrap import (
    SHREDDING_KEYS,
    VaultRuntime,
    api_keys,
    open_vault,
    read_config,
)
from policyvault.cli.main import app
from policyvault.crypto.blind_index import IndexKind
from policyvault.crypto.envelope import DecryptionFailed
from policyvault.crypto.hazmat import SECRET_KEY_ACCESS, generate_key
from policyvault.crypto.key_files import (
    MASTER_KEY_ENV,
    KeyConfigInvalid,
    KeyFiles,
    parse_master_key,
)
from policyvault.crypto.keys import LocalKeyProvider, WrappedKey
from policyvault.domain.audit import Actor
from policyvault.domain.policy.data import ConsentCategory
from policyvault.services.vault import ConsentChoice, Evidence, SubjectNotFound
from policyvault.services.vault.keys import rewrap_data_keys
from tests.e2e.runner import (
    POLICY,
    clean_environ,
    init_sandbox,
    ok,
    one_error_line,
    policyvault,
    verify_audit_log,
)

PURPOSE = "product.inquiry"
APP = Actor(id="webshop-1", role="service")
CLERK = Actor(id="clerk-1", role="handler")
ADMIN = Actor(id="admin-1", role="admin")
CONSENTS = [ConsentChoice(ConsentCategory.collection_use, (PURPOSE,))]
ITEMS = ["company_name", "contact_person", "email", "phone"]


def inquiry(number: int) -> dict[str, str]:
    """Reserved fake data (example.com, 555-01xx)."""
    return {
        "company_name": f"Quillfeather Example Trading {number:04d}",
        "contact_person": f"Ottoline Example-Wrenfield {number:04d}",
        "email": f"ottoline.{number:04d}@example.com",
        "phone": f"+1 202 555 01{number % 100:02d}",
    }


def stored(number: int) -> dict[str, bytes]:
    values = {k: v.encode() for k, v in inquiry(number).items()}
    values["phone"] = f"+120255501{number % 100:02d}".encode()
    return values


def opened(home: Path, environ: Mapping[str, str] | None = None) -> VaultRuntime:
    return open_vault(home, clean_environ() if environ is None else environ)


def populate(home: Path, count: int, environ: Mapping[str, str] | None = None) -> dict[str, int]:
    runtime = opened(home, environ)
    try:
        ids = {}
        for number in range(count):
            collected = runtime.vault.collect(
                "product_inquiry", inquiry(number), CONSENTS, Evidence(channel="web"), APP
            )
            ids[collected.subject_id] = number
        runtime.vault.grant(CLERK.id, PURPOSE, ADMIN)
    finally:
        runtime.close()
    return ids


def read_everything(runtime: VaultRuntime, ids: dict[str, int]) -> None:
    for subject, number in ids.items():
        assert runtime.vault.read(subject, ITEMS, PURPOSE, CLERK).values == stored(number)


def key_ids(runtime: VaultRuntime, ids: dict[str, int]) -> set[str]:
    with runtime.vault.context.store.session() as session:
        return {s.key_id for i in ids if (s := session.subject(i)) is not None}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def home(home: Path) -> Path:
    """A sandbox vault, made in this process."""
    init_sandbox(home)
    return home


# --- init ----------------------------------------------------------------------------------------


def test_init_makes_private_key_files_and_says_where(tmp_path: Path) -> None:
    home = tmp_path / "vault"
    out = ok(policyvault(home, "init", "--policy", str(POLICY), "--sandbox"))
    for name in ("master.key", "blind-index.key", SHREDDING_KEYS):
        assert mode(home / name) == 0o600, name
        assert str(home.resolve() / name) in out
    assert "back it up apart from the database" in out
    assert json.loads((home / "blind-index.key").read_text())["key_id"].startswith("mk-")


# --- rotation with key files ---------------------------------------------------------------------


def test_rotation_rewraps_every_key_and_the_new_key_alone_reads_everything(home: Path) -> None:
    ids = populate(home, 120)
    old_key_text = (home / "master.key").read_text().strip()
    old_id = KeyFiles(home, {}).current().key_id

    out = ok(policyvault(home, "keys", "rotate", "--generate", "--batch-size", "25"))

    new_id = KeyFiles(home, {}).current().key_id
    kept = home / f"master.key.old-{old_id}"
    assert new_id != old_id
    assert f"master key {new_id}: 120 data keys re-wrapped, 120 subjects checked" in out
    assert f"blind-index key re-wrapped under {new_id}" in out
    assert str(kept) in out and "delete" in out and "Restart" in out
    assert not (home / "master.key.new").exists()
    assert mode(kept) == 0o600 and mode(home / "master.key") == 0o600
    assert kept.read_text().strip() == old_key_text
    assert json.loads((home / "blind-index.key").read_text())["key_id"] == new_id

    kept.unlink()  # the administrator deletes the old key: only the new one is left
    runtime = opened(home)
    try:
        assert key_ids(runtime, ids) == {new_id}
        read_everything(runtime, ids)
        [(subject, number)] = [(s, n) for s, n in ids.items() if n == 77]
        found = runtime.vault.find_subjects(
            IndexKind.email, inquiry(77)["email"].upper(), CLERK, purpose="product.inquiry"
        )
        assert found == [subject] and number == 77
    finally:
        runtime.close()
    lookup = ["subject", "find", "--phone", "+1 202 555 0177", "--purpose", PURPOSE]
    assert ok(policyvault(home, *lookup, "--actor", CLERK.id))

    again = ok(policyvault(home, "keys", "rotate"))
    assert f"master key {new_id}: 0 data keys re-wrapped" in again
    assert f"every data key is wrapped by {new_id}" in again

    # Audited: a batch at a time, then the rotation; no key material anywhere in the log.
    verify_audit_log(home)
    with closing(sqlite3.connect(home / "policyvault.db")) as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_entries ORDER BY seq")]
        bodies = b"".join(row[0] for row in db.execute("SELECT body FROM audit_entries"))
    assert actions.count("keys.rewrap") == 5 + 1 and actions.count("keys.rotate") == 2
    new_key = base64.urlsafe_b64decode((home / "master.key").read_text().strip())
    for secret in (base64.urlsafe_b64decode(old_key_text), new_key):
        for form in (secret, secret.hex().encode(), base64.b64encode(secret)):
            assert form not in bodies
    assert old_key_text.encode() not in bodies


def test_a_rotation_killed_half_way_is_finished_by_running_it_again(home: Path) -> None:
    ids = populate(home, 40)
    before = opened(home)  # a long-running process, opened before the rotation
    key_files = KeyFiles(home, clean_environ())
    old = key_files.current()
    try:
        # `keys rotate --generate`, killed after two batches of ten.
        new = key_files.stage(None)
        runtime = opened(home)
        try:
            half = rewrap_data_keys(runtime.vault.context, new, ADMIN, batch_size=10, max_batches=2)
        finally:
            runtime.close()
        assert (half.rewrapped, half.complete) == (20, False)

        # The vault opens and reads everything meanwhile: a new process loads master.key and
        # master.key.new; the one opened before picks the new key up when it first meets it.
        fresh = opened(home)
        try:
            assert key_ids(fresh, ids) == {old.key_id, new.key_id}
            read_everything(fresh, ids)
        finally:
            fresh.close()
        read_everything(before, ids)
    finally:
        before.close()

    out = ok(policyvault(home, "keys", "rotate"))  # no option: resume the staged key
    assert f"master key {new.key_id}: 20 data keys re-wrapped, 40 subjects checked" in out
    assert key_files.current().key_id == new.key_id
    for path in key_files.retired():
        path.unlink()
    runtime = opened(home)
    try:
        assert key_ids(runtime, ids) == {new.key_id}
        read_everything(runtime, ids)
    finally:
        runtime.close()


def test_rotation_refuses_what_it_cannot_do_in_one_line(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(generate_key().reveal(SECRET_KEY_ACCESS)).decode())
    other.chmod(0o600)
    both = policyvault(home, "keys", "rotate", "--generate", "--new-key-file", str(other))
    assert both.returncode == 2
    assert "at most one of" in one_error_line(both)
    missing = policyvault(home, "keys", "rotate", "--new-key-file", str(tmp_path / "absent"))
    assert missing.returncode == 2 and "does not exist" in one_error_line(missing)
    env_in_file_mode = policyvault(home, "keys", "rotate", "--new-key-env", "SOME_KEY")
    assert env_in_file_mode.returncode == 1
    assert "--generate or --new-key-file" in one_error_line(env_in_file_mode)
    same = policyvault(home, "keys", "rotate", "--new-key-file", str(home / "master.key"))
    assert same.returncode == 1 and "already the master key" in one_error_line(same)

    staged = KeyFiles(home, {}).stage(None)  # a rotation under way, to another key
    conflict = policyvault(home, "keys", "rotate", "--new-key-file", str(other))
    assert conflict.returncode == 1
    assert f"rotation to master key {staged.key_id} is under way" in one_error_line(conflict)
    assert KeyFiles(home, {}).staged_provider() is not None  # nothing changed


# --- rotation with the environment ---------------------------------------------------------------


def test_with_the_master_key_in_the_environment_the_operator_switches_it(tmp_path: Path) -> None:
    home = tmp_path / "vault"
    old_text = base64.b64encode(generate_key().reveal(SECRET_KEY_ACCESS)).decode()
    new_text = base64.b64encode(generate_key().reveal(SECRET_KEY_ACCESS)).decode()
    old_env = clean_environ(**{MASTER_KEY_ENV: old_text})
    init_sandbox(home, old_env)
    assert not (home / "master.key").exists()
    ids = populate(home, 12, old_env)

    refused = policyvault(home, "keys", "rotate", "--generate", environ=old_env)
    assert refused.returncode == 1 and "--new-key-env NAME" in one_error_line(refused)
    unset = policyvault(home, "keys", "rotate", "--new-key-env", "PV_NEXT_KEY", environ=old_env)
    assert unset.returncode == 2 and "PV_NEXT_KEY is not set" in one_error_line(unset)

    rotating = {**old_env, "PV_NEXT_KEY": new_text}
    out = ok(policyvault(home, "keys", "rotate", "--new-key-env", "PV_NEXT_KEY", environ=rotating))
    new_id = LocalKeyProvider(parse_master_key(new_text, "the new key")).key_id
    assert f"master key {new_id}: 12 data keys re-wrapped" in out
    assert f"switch {MASTER_KEY_ENV} to the value of PV_NEXT_KEY" in out
    assert "POLICYVAULT_OLD_MASTER_KEY" in out
    assert not list(home.glob("master.key*"))

    # Switched: the new key alone opens the vault and reads everything.
    new_env = clean_environ(**{MASTER_KEY_ENV: new_text})
    runtime = opened(home, new_env)
    try:
        read_everything(runtime, ids)
    finally:
        runtime.close()
    # A process still on the old key alone is told which key it lacks.
    with pytest.raises(KeyConfigInvalid, match="which is not loaded"):
        opened(home, old_env)


# --- crypto-shredding against a copy of the database ------------------------------------------


def test_a_copy_of_the_database_taken_before_shredding_is_unreadable_after(
    home: Path, tmp_path: Path
) -> None:
    ids = populate(home, 3)
    shredded, kept = (s for s, n in sorted(ids.items(), key=lambda p: p[1]) if n in (0, 1))
    runtime = opened(home)
    try:
        shredding_key = runtime.vault.context.shredding_keys.get(shredded)
        assert shredding_key is not None
        # A consistent copy of the live database file (WAL included): SQLite's backup API.
        copy = tmp_path / "backup.db"
        with (
            closing(sqlite3.connect(home / "policyvault.db")) as live,
            closing(sqlite3.connect(copy)) as target,
        ):
            live.backup(target)
        runtime.vault.shred(shredded, ADMIN, reason="erasure request")
    finally:
        runtime.close()

    # The copy, opened with the vault's keys as they are now (master key, blind-index key,
    # shredding-key store):
    copy_env = clean_environ(POLICYVAULT_DATABASE_URL=f"sqlite:///{copy}")
    restored = opened(home, copy_env)
    try:
        context = restored.vault.context
        with context.store.session() as session:
            subject = session.subject(shredded)
            wrapped = session.wrapped_key(shredded)
            assert subject is not None and subject.shredded_at is None and wrapped
            # ... still holds the wrapped data key, and the master key unwraps it ...
            context.keys.unwrap_data_key(WrappedKey(subject.key_id, wrapped), shredded)
            # ... but without the destroyed shredding key no key opens the values.
            with pytest.raises(DecryptionFailed):
                context.sealing_key(session, subject)
        # The subject is still found by the copy's blind index, and not one value is read.
        found = restored.vault.find_subjects(
            IndexKind.email, inquiry(0)["email"], CLERK, purpose="product.inquiry"
        )
        assert found == [shredded]
        with pytest.raises(DecryptionFailed):
            restored.vault.read(shredded, ITEMS, PURPOSE, CLERK)
        # The other subjects in the same copy read as before.
        assert restored.vault.read(kept, ITEMS, PURPOSE, CLERK).values == stored(1)
    finally:
        restored.close()

    # The live vault: the subject is gone, and no file in the home holds its shredding key.
    live_runtime = opened(home)
    try:
        with pytest.raises(SubjectNotFound):
            live_runtime.vault.read(shredded, ["email"], PURPOSE, CLERK)
    finally:
        live_runtime.close()
    for path in home.iterdir():
        if path.is_file():
            assert shredding_key not in path.read_bytes(), path.name


# --- a ciphertext swapped between rows, over HTTP ------------------------------------------------


class Api:
    """The app in this process, called over ASGI as an HTTP client would."""

    def __init__(self, app: FastAPI, secret: str) -> None:
        self.app, self.secret = app, secret

    def post(self, path: str, body: dict[str, object]) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            headers = {"Authorization": f"Bearer {self.secret}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://vault.invalid", headers=headers
            ) as client:
                return await client.post(path, json=body)

        return asyncio.run(call())


@pytest.fixture
def api(home: Path) -> Iterator[tuple[Api, dict[str, int]]]:
    ids = populate(home, 2)
    environ = clean_environ()
    _, secret = api_keys(read_config(home, environ)).create("handler", CLERK.id, datetime.now(UTC))
    runtime = opened(home, environ)
    try:
        yield Api(create_app(runtime, api_keys(runtime.config)), secret), ids
    finally:
        runtime.close()


def test_a_swapped_ciphertext_is_a_500_without_any_value(
    api: tuple[Api, dict[str, int]], home: Path
) -> None:
    client, ids = api
    a, b = sorted(ids, key=ids.__getitem__)
    body: dict[str, object] = {"items": ["email"], "purpose": PURPOSE}
    assert client.post(f"/v1/subjects/{b}/read", body).json()["values"] == {
        "email": inquiry(1)["email"]
    }
    with closing(sqlite3.connect(home / "policyvault.db")) as db, db:
        db.execute(
            "UPDATE vault_items SET sealed = (SELECT sealed FROM vault_items"
            " WHERE subject_id = ? AND item_key = 'email')"
            " WHERE subject_id = ? AND item_key = 'email'",
            (a, b),
        )
    swapped = client.post(f"/v1/subjects/{b}/read", body)
    assert swapped.status_code == 500
    assert swapped.json() == {
        "code": "decryption_failed",
        "message": "internal error",
        "details": {},
    }
    for number in (0, 1):
        for value in inquiry(number).values():
            assert value not in swapped.text
    # B's other items, and A's email, are untouched.
    other = client.post(f"/v1/subjects/{b}/read", {"items": ["phone"], "purpose": PURPOSE})
    assert other.status_code == 200
    assert client.post(f"/v1/subjects/{a}/read", body).json()["values"] == {
        "email": inquiry(0)["email"]
    }


@pytest.mark.parametrize("verb", [["keys"], ["keys", "rotate"]], ids=" ".join)
def test_the_keys_verbs_have_help(verb: list[str]) -> None:
    result = CliRunner().invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
