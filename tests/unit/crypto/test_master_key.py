"""Loading the master key: a key file that only its owner can read, or the environment.
Every error is clear, and none repeats the key."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyvault.crypto.hazmat import SECRET_KEY_ACCESS
from policyvault.crypto.key_files import (
    MASTER_KEY_ENV,
    KeyConfigInvalid,
    create_key_file,
    load_master_key,
)
from policyvault.crypto.keys import LocalKeyProvider
from policyvault.domain.errors import InvalidInput

RAW = bytes(range(32))
STANDARD = base64.b64encode(RAW).decode()
URLSAFE_UNPADDED = base64.urlsafe_b64encode(RAW).decode().rstrip("=")


@pytest.fixture
def no_umask() -> Iterator[None]:
    # The widest umask, so that the test shows the mode comes from create_key_file itself.
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_key_file_writes_0600_from_the_start(tmp_path: Path, no_umask: None) -> None:
    path = tmp_path / "master.key"
    key_id = create_key_file(path)
    assert _mode(path) == 0o600
    key = load_master_key(path, {})
    assert LocalKeyProvider(key).key_id == key_id
    assert len(base64.urlsafe_b64decode(path.read_text().strip())) == 32


def test_create_key_file_uses_the_random_source(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_key_file(path, randbytes=lambda n: RAW[:n])
    assert load_master_key(path, {}).reveal(SECRET_KEY_ACCESS) == RAW


def test_create_key_file_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyConfigInvalid, match="already exists"):
        create_key_file(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o700, 0o666])
def test_a_key_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    path.chmod(mode)
    if mode == 0o700:  # execute for the owner only: not wider than the owner, accepted
        load_master_key(path, {})
        return
    with pytest.raises(KeyConfigInvalid) as caught:
        load_master_key(path, {})
    message = str(caught.value)
    assert f"mode {mode:04o}" in message
    assert "chmod 600" in message
    assert str(path) in message
    assert path.read_text().strip() not in message


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_key_file_readable_by_its_owner_only_is_accepted(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    path.write_text(STANDARD + "\n")
    path.chmod(mode)
    assert load_master_key(path, {}).reveal(SECRET_KEY_ACCESS) == RAW


def test_a_symlinked_key_file_is_judged_by_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.key"
    create_key_file(target)
    link = tmp_path / "link.key"
    link.symlink_to(target)
    load_master_key(link, {})
    target.chmod(0o644)
    with pytest.raises(KeyConfigInvalid, match="0644"):
        load_master_key(link, {})


def test_missing_and_non_regular_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigInvalid, match="does not exist"):
        load_master_key(tmp_path / "absent.key", {})
    directory = tmp_path / "dir.key"
    directory.mkdir(mode=0o700)
    with pytest.raises(KeyConfigInvalid, match="not a regular file"):
        load_master_key(directory, {})


def test_a_key_file_with_bad_content_is_refused_without_echo(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    content = "this-is-not-a-key-but-it-must-not-be-echoed!"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(content)
    with pytest.raises(KeyConfigInvalid) as caught:
        load_master_key(path, {})
    assert "not base64" in str(caught.value)
    assert content not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_fifo_in_place_of_the_key_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "master.key"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(KeyConfigInvalid, match="not a regular file"):
        load_master_key(fifo, {})


@pytest.mark.parametrize(
    "value",
    [STANDARD, URLSAFE_UNPADDED, f"  {STANDARD}\n", base64.urlsafe_b64encode(RAW).decode()],
    ids=["standard", "urlsafe unpadded", "surrounding whitespace", "urlsafe padded"],
)
def test_the_environment_key_in_any_base64_form(value: str) -> None:
    key = load_master_key(None, {MASTER_KEY_ENV: value})
    assert key.reveal(SECRET_KEY_ACCESS) == RAW


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("s3cr3t%%%%value!!", "not base64"),
        (base64.b64encode(RAW[:16]).decode(), "decodes to 16 bytes"),
        (base64.b64encode(RAW + b"\x00").decode(), "decodes to 33 bytes"),
        ("AAAAA", "not base64"),
    ],
)
def test_environment_key_errors_are_clear_and_never_echo_the_value(
    value: str, expected: str
) -> None:
    with pytest.raises(KeyConfigInvalid) as caught:
        load_master_key(None, {MASTER_KEY_ENV: value})
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.code == "key_config_invalid"
    assert expected in str(error)
    assert MASTER_KEY_ENV in str(error)
    if value.strip():
        assert value.strip() not in str(error)
        assert value.strip() not in repr(error)
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None


def test_no_key_configured() -> None:
    with pytest.raises(KeyConfigInvalid, match=f"no master key.*{MASTER_KEY_ENV}"):
        load_master_key(None, {})


def test_a_key_file_and_the_environment_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    with pytest.raises(KeyConfigInvalid, match="use only one") as caught:
        load_master_key(path, {MASTER_KEY_ENV: STANDARD})
    assert STANDARD not in str(caught.value)
