"""The key files of a vault home: the wrapped blind-index key (a format of its own, surviving
master-key rotation), the key ring built from whatever key files a rotation left, staging a new
master key and retiring the old one; and the same with keys in the environment."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from policyvault.crypto.blind_index import email_index
from policyvault.crypto.hazmat import SECRET_KEY_ACCESS, SecretKey, generate_key
from policyvault.crypto.key_files import (
    MASTER_KEY_ENV,
    OLD_MASTER_KEY_ENV,
    KeyConfigInvalid,
    KeyFiles,
    create_key_file,
    load_master_key,
    read_wrapped_secret,
)
from policyvault.crypto.keys import KeyRing, LocalKeyProvider
from policyvault.domain.errors import Refused


def text_of(key: SecretKey) -> str:
    return base64.b64encode(key.reveal(SECRET_KEY_ACCESS)).decode()


@pytest.fixture
def home(tmp_path: Path) -> KeyFiles:
    files = KeyFiles(tmp_path, {})
    create_key_file(files.master)
    files.create_blind_index_key(files.current())
    return files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_blind_index_key_file_is_private_and_as_documented(home: KeyFiles) -> None:
    assert mode(home.blind_index) == 0o600
    document = json.loads(home.blind_index.read_text())
    assert set(document) == {"format", "name", "key_id", "ciphertext"}
    assert document["format"] == "policyvault/wrapped-secret/v1"
    assert document["name"] == "blind-index"
    assert document["key_id"] == home.current().key_id
    assert len(base64.urlsafe_b64decode(document["ciphertext"])) == 1 + 12 + 32 + 16
    key = home.blind_index_key(home.ring())
    assert key.reveal(SECRET_KEY_ACCESS) not in home.blind_index.read_bytes()
    with pytest.raises(KeyConfigInvalid, match="already exists"):
        home.create_blind_index_key(home.current())


def test_the_blind_index_key_survives_rotation(home: KeyFiles) -> None:
    ring = home.ring()
    before = home.blind_index_key(ring)
    index = email_index(before, "user@example.com")
    new = home.stage(None)
    assert home.rewrap_blind_index_key(ring.with_key(new), new) is True
    assert read_wrapped_secret(home.blind_index, "blind-index").key_id == new.key_id
    assert home.rewrap_blind_index_key(ring.with_key(new), new) is False  # idempotent
    home.retire()
    for path in home.retired():
        path.unlink()  # the administrator deletes the old key
    after = home.blind_index_key(KeyFiles(home.home, {}).ring())
    assert after == before and email_index(after, "user@example.com") == index
    assert mode(home.blind_index) == 0o600


def test_a_blind_index_key_under_an_unknown_or_changed_key_is_a_clear_error(
    home: KeyFiles,
) -> None:
    stranger = KeyRing(LocalKeyProvider(generate_key()))
    with pytest.raises(KeyConfigInvalid, match=r"wrapped by master key mk-\w+, which is not"):
        home.blind_index_key(stranger)
    document = json.loads(home.blind_index.read_text())
    blob = bytearray(base64.urlsafe_b64decode(document["ciphertext"]))
    blob[-1] ^= 1
    document["ciphertext"] = base64.urlsafe_b64encode(bytes(blob)).decode()
    home.blind_index.write_text(json.dumps(document))
    with pytest.raises(KeyConfigInvalid, match="does not unwrap"):
        home.blind_index_key(home.ring())
    home.blind_index.write_text('{"format": "something else"}')
    with pytest.raises(KeyConfigInvalid, match="not a wrapped blind-index key"):
        home.blind_index_key(home.ring())
    home.blind_index.chmod(0o644)
    with pytest.raises(KeyConfigInvalid, match="chmod 600"):
        home.blind_index_key(home.ring())


def test_staging_resumes_the_staged_key_and_refuses_another(home: KeyFiles) -> None:
    current = home.current()
    staged = home.stage(None)
    assert mode(home.staged) == 0o600
    assert home.stage(None).key_id == staged.key_id  # a rerun resumes the same rotation
    same = load_master_key(home.staged, {})
    assert home.stage(same).key_id == staged.key_id
    with pytest.raises(Refused, match=f"rotation to master key {staged.key_id} is under way"):
        home.stage(generate_key())
    with pytest.raises(Refused, match="already the master key"):
        home.stage(load_master_key(home.master, {}))
    # Meanwhile the ring holds both keys, and the current one still wraps new data keys.
    ring = home.ring()
    assert ring.key_id == current.key_id and set(ring.key_ids) == {current.key_id, staged.key_id}


def test_retiring_keeps_the_old_key_and_every_moment_has_a_master_key(home: KeyFiles) -> None:
    old = home.current()
    new = home.stage(None)
    kept = home.retire()
    assert kept == home.home / f"master.key.old-{old.key_id}"
    assert mode(kept) == 0o600 and mode(home.master) == 0o600
    assert not home.staged.exists()
    assert home.current().key_id == new.key_id
    assert LocalKeyProvider(load_master_key(kept, {})).key_id == old.key_id
    ring = home.ring()
    assert ring.key_ids == (new.key_id, old.key_id)
    with pytest.raises(Refused, match="no rotation is under way"):
        home.retire()


def test_a_retirement_cut_short_is_finished_by_running_it_again(home: KeyFiles) -> None:
    old = home.current()
    new = home.stage(None)
    # Killed after the old key was kept and before the rename: master.key is still the old.
    keep = home.retired_path(old.key_id)
    keep.write_bytes(home.master.read_bytes())
    keep.chmod(0o600)
    assert set(home.ring().key_ids) == {old.key_id, new.key_id}
    assert home.retire() == keep
    assert home.current().key_id == new.key_id


def test_with_the_environment_the_ring_is_the_variable_and_the_old_one(tmp_path: Path) -> None:
    current, old = generate_key(), generate_key()
    environ = {MASTER_KEY_ENV: text_of(current), OLD_MASTER_KEY_ENV: text_of(old)}
    files = KeyFiles(tmp_path, environ)
    assert files.from_environment
    ring = files.ring()
    assert ring.key_ids == (
        LocalKeyProvider(current).key_id,
        LocalKeyProvider(old).key_id,
    )
    assert KeyFiles(tmp_path, {MASTER_KEY_ENV: text_of(current)}).ring().key_ids == (
        LocalKeyProvider(current).key_id,
    )
    with pytest.raises(Refused, match="no key file to stage"):
        files.stage(None)
    with pytest.raises(KeyConfigInvalid, match=OLD_MASTER_KEY_ENV):
        KeyFiles(tmp_path, {**environ, OLD_MASTER_KEY_ENV: "not base64!"}).ring()
