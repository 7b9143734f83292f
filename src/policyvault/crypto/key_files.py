"""The vault's key files, and master keys from the environment.

A vault home holds these key files, each created with mode 0600 by the call that creates it:

    master.key                the master key (unless POLICYVAULT_MASTER_KEY is set)
    master.key.new            the master key a rotation is moving to; only while one runs
    master.key.old-<key id>   a master key retired by a rotation, kept until the
                              administrator deletes it
    blind-index.key           the blind-index key, wrapped by the master key (format below)

A master key is base64 of exactly 32 bytes, standard or URL-safe alphabet, padding optional,
surrounding whitespace ignored. With ``POLICYVAULT_MASTER_KEY`` set, no ``master.key*`` file
is used: the variable is the master key, and ``POLICYVAULT_OLD_MASTER_KEY``, when set, is the
one before it (used only to unwrap what a rotation has not yet re-wrapped).

``blind-index.key`` is one JSON object::

    {"format": "policyvault/wrapped-secret/v1", "name": "blind-index",
     "key_id": "mk-…", "ciphertext": "<URL-safe base64 of WrappedKey.ciphertext>"}

The blind-index key is random, made once by ``init``; a rotation re-wraps it and replaces the
file atomically (write a temporary file, fsync, rename), so the file always holds a complete
record under the old or the new master key, and the indexes stay valid.

:class:`KeyFiles` reads all of this into a :class:`~policyvault.crypto.keys.KeyRing` holding
every master key present (current, staged, retired), so that a vault opens whatever point a
rotation reached, and performs the file steps of a rotation: stage the new key, retire the old.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from policyvault.crypto.hazmat import (
    KEY_SIZE,
    SECRET_KEY_ACCESS,
    DecryptionFailed,
    RandBytes,
    SecretKey,
    generate_key,
)
from policyvault.crypto.keys import KeyProvider, KeyRing, LocalKeyProvider, WrappedKey
from policyvault.domain.errors import InvalidInput, Refused

__all__ = [
    "BLIND_INDEX_FILE",
    "BLIND_INDEX_SECRET",
    "MASTER_KEY_ENV",
    "MASTER_KEY_FILE",
    "OLD_MASTER_KEY_ENV",
    "KeyConfigInvalid",
    "KeyFiles",
    "create_key_file",
    "load_master_key",
    "parse_master_key",
    "read_wrapped_secret",
    "write_key_file",
    "write_wrapped_secret",
]

MASTER_KEY_ENV: Final = "POLICYVAULT_MASTER_KEY"
OLD_MASTER_KEY_ENV: Final = "POLICYVAULT_OLD_MASTER_KEY"
MASTER_KEY_FILE: Final = "master.key"
STAGED_SUFFIX: Final = ".new"
RETIRED_PREFIX: Final = "master.key.old-"
BLIND_INDEX_FILE: Final = "blind-index.key"
BLIND_INDEX_SECRET: Final = "blind-index"
_SECRET_FORMAT: Final = "policyvault/wrapped-secret/v1"

# Group and other permission bits: a key file must have none of them.
_WIDER_THAN_OWNER: Final = stat.S_IRWXG | stat.S_IRWXO


class KeyConfigInvalid(InvalidInput):
    """A key could not be loaded: no master key configured, a key file with loose
    permissions, or a value that is not 32 bytes of base64. The message says which, and
    never contains the key."""

    code = "key_config_invalid"


# --- master keys ---------------------------------------------------------------------------


def parse_master_key(text: str, source: str) -> SecretKey:
    """A master key from its base64 text. ``source`` names where the text came from, for the
    error message; the text itself never appears in any message."""
    compact = "".join(text.split())
    if not compact:
        raise KeyConfigInvalid(f"{source} is empty")
    # Both alphabets, padding optional: keys pasted from `openssl rand -base64 32` and keys
    # written by create_key_file (URL-safe) are both accepted.
    normalised = compact.replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        raw = base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        # `from None`: the decoder's message could quote part of the key.
        raise KeyConfigInvalid(f"{source} is not base64") from None
    if len(raw) != KEY_SIZE:
        raise KeyConfigInvalid(
            f"{source} decodes to {len(raw)} bytes; a master key is base64 of "
            f"{KEY_SIZE} random bytes"
        )
    return SecretKey(raw)


def load_master_key(path: Path | None, environ: Mapping[str, str]) -> SecretKey:
    """The master key, from the key file at ``path`` or from ``POLICYVAULT_MASTER_KEY`` in
    ``environ``. Exactly one of them must be given: with both, which key is the master key
    would depend on precedence rules, and data wrapped under the wrong one fails much later.
    """
    env_value = environ.get(MASTER_KEY_ENV)
    if path is not None and env_value is not None:
        raise KeyConfigInvalid(
            f"both a key file ({path}) and {MASTER_KEY_ENV} are set; use only one"
        )
    if path is not None:
        return _read_key_file(path)
    if env_value is not None:
        return parse_master_key(env_value, MASTER_KEY_ENV)
    raise KeyConfigInvalid(f"no master key: give a key file or set {MASTER_KEY_ENV}")


def _read_key_file(path: Path) -> SecretKey:
    text = _read_private(path, "key file")
    return parse_master_key(text, f"key file {path}")


def _read_private(path: Path, what: str) -> str:
    """The text of an owner-only file, checked on the open descriptor (no swap in between)."""
    try:
        # O_NONBLOCK so that a FIFO in place of the file is refused below instead of blocking
        # the open; it changes nothing for a regular file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise KeyConfigInvalid(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise KeyConfigInvalid(f"{what} {path} cannot be opened: {exc.strerror}") from None
    try:
        # A symlink is judged by the file it points to.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyConfigInvalid(f"{what} {path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if mode & _WIDER_THAN_OWNER:
            raise KeyConfigInvalid(
                f"{what} {path} is accessible to group or others (mode {mode:04o}); "
                f"it must be 0600 or narrower: chmod 600 {path}"
            )
        content = os.read(fd, 4096)
    finally:
        os.close(fd)
    try:
        return content.decode("ascii")
    except UnicodeDecodeError:
        raise KeyConfigInvalid(f"{what} {path} is not ASCII text") from None


def create_key_file(path: Path, *, randbytes: RandBytes = os.urandom) -> str:
    """Write a new random master key to ``path`` and return its key id (see
    :func:`write_key_file`)."""
    return write_key_file(path, generate_key(randbytes))


def write_key_file(path: Path, key: SecretKey) -> str:
    """Write ``key`` to a new key file at ``path`` and return its key id.

    The file is created with mode 0600 by the same call that creates it (never created first
    and narrowed later, which would leave a window with the umask's permissions), and never
    overwrites an existing file: losing a master key loses every data key it wrapped.
    """
    text = base64.urlsafe_b64encode(key.reveal(SECRET_KEY_ACCESS)) + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyConfigInvalid(f"key file {path} already exists; refusing to overwrite") from None
    except OSError as exc:
        raise KeyConfigInvalid(f"key file {path} cannot be created: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    _sync_directory(path.parent)
    return LocalKeyProvider(key).key_id


# --- wrapped secrets -------------------------------------------------------------------------


def write_wrapped_secret(path: Path, wrapped: WrappedKey, name: str) -> None:
    """Write (or atomically replace) the file of a wrapped vault secret, mode 0600."""
    document = {
        "format": _SECRET_FORMAT,
        "name": name,
        "key_id": wrapped.key_id,
        "ciphertext": base64.urlsafe_b64encode(wrapped.ciphertext).decode("ascii"),
    }
    data = (json.dumps(document, indent=2) + "\n").encode("ascii")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def read_wrapped_secret(path: Path, name: str) -> WrappedKey:
    """The wrapped secret in ``path``, which must be the secret called ``name``."""
    text = _read_private(path, "key file")
    try:
        document = json.loads(text)
        ok = (
            isinstance(document, dict)
            and document.get("format") == _SECRET_FORMAT
            and document.get("name") == name
            and isinstance(document.get("key_id"), str)
            and isinstance(document.get("ciphertext"), str)
        )
        if ok:
            ciphertext = base64.urlsafe_b64decode(document["ciphertext"].encode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        ok = False
    if not ok:
        raise KeyConfigInvalid(f"key file {path} is not a wrapped {name} key ({_SECRET_FORMAT})")
    return WrappedKey(key_id=document["key_id"], ciphertext=ciphertext)


# --- the key files of a vault home -----------------------------------------------------------


class KeyFiles:
    """The key files of the vault home ``home`` (or the keys in ``environ``)."""

    def __init__(self, home: Path, environ: Mapping[str, str]) -> None:
        self.home = home
        self.environ = environ

    @property
    def from_environment(self) -> bool:
        """Whether the master key is ``POLICYVAULT_MASTER_KEY`` rather than a key file."""
        return MASTER_KEY_ENV in self.environ

    @property
    def master(self) -> Path:
        return self.home / MASTER_KEY_FILE

    @property
    def staged(self) -> Path:
        return self.home / (MASTER_KEY_FILE + STAGED_SUFFIX)

    @property
    def blind_index(self) -> Path:
        return self.home / BLIND_INDEX_FILE

    def retired(self) -> list[Path]:
        """The master keys that rotations retired and the administrator has not deleted."""
        return sorted(self.home.glob(RETIRED_PREFIX + "*"))

    def retired_path(self, key_id: str) -> Path:
        return self.home / f"{RETIRED_PREFIX}{key_id}"

    # opening -------------------------------------------------------------------------------

    def current(self) -> LocalKeyProvider:
        """The current master key: the key file, or ``POLICYVAULT_MASTER_KEY``."""
        path = None if self.from_environment else self.master
        return LocalKeyProvider(load_master_key(path, self.environ))

    def staged_provider(self) -> LocalKeyProvider | None:
        """The key a rotation is moving to, when one was staged (never with the environment)."""
        if self.from_environment or not self.staged.exists():
            return None
        return LocalKeyProvider(_read_key_file(self.staged))

    def ring(self) -> KeyRing:
        """Every master key there is: the current one, a staged one, retired ones. A ring of
        key files reloads itself when it meets a key it does not hold."""
        current = self.current()
        if self.from_environment:
            old = self.environ.get(OLD_MASTER_KEY_ENV)
            others = [] if old is None else [_env_provider(old, OLD_MASTER_KEY_ENV)]
            return KeyRing(current, others)
        staged = self.staged_provider()
        others = [LocalKeyProvider(_read_key_file(path)) for path in self.retired()]
        if staged is not None:
            others.append(staged)
        return KeyRing(current, others, reload=self.ring)

    # the blind-index key -------------------------------------------------------------------

    def create_blind_index_key(
        self, provider: KeyProvider, *, randbytes: RandBytes = os.urandom
    ) -> None:
        if self.blind_index.exists():
            raise KeyConfigInvalid(f"key file {self.blind_index} already exists")
        key = generate_key(randbytes)
        wrapped = provider.wrap_secret(key, BLIND_INDEX_SECRET)
        write_wrapped_secret(self.blind_index, wrapped, BLIND_INDEX_SECRET)

    def blind_index_key(self, ring: KeyRing) -> SecretKey:
        wrapped = read_wrapped_secret(self.blind_index, BLIND_INDEX_SECRET)
        if not ring.holds(wrapped.key_id):
            raise KeyConfigInvalid(
                f"{self.blind_index} is wrapped by master key {wrapped.key_id}, which is not "
                f"loaded (loaded: {', '.join(ring.key_ids)})"
            )
        try:
            return ring.unwrap_secret(wrapped, BLIND_INDEX_SECRET)
        except DecryptionFailed:
            raise KeyConfigInvalid(f"{self.blind_index} does not unwrap: it was changed") from None

    def rewrap_blind_index_key(self, ring: KeyRing, target: KeyProvider) -> bool:
        """Re-wrap the blind-index key under ``target``; False if it already was."""
        wrapped = read_wrapped_secret(self.blind_index, BLIND_INDEX_SECRET)
        if wrapped.key_id == target.key_id:
            return False
        key = self.blind_index_key(ring)
        write_wrapped_secret(
            self.blind_index, target.wrap_secret(key, BLIND_INDEX_SECRET), BLIND_INDEX_SECRET
        )
        return True

    # rotation ------------------------------------------------------------------------------

    def stage(self, key: SecretKey | None) -> LocalKeyProvider:
        """Put the key a rotation moves to in ``master.key.new`` (a new random one when
        ``key`` is None) and return it. A key staged by an interrupted rotation is kept: the
        rotation resumes with it. Another key than the staged one is refused."""
        if self.from_environment:
            raise Refused(f"the master key is {MASTER_KEY_ENV}; there is no key file to stage")
        current = self.current()
        staged = self.staged_provider()
        wanted = None if key is None else LocalKeyProvider(key)
        if wanted is not None and wanted.key_id == current.key_id:
            raise Refused(f"that key is already the master key ({current.key_id})")
        if staged is not None:
            if wanted is not None and wanted.key_id != staged.key_id:
                raise Refused(
                    f"a rotation to master key {staged.key_id} is under way ({self.staged}); "
                    "run `policyvault keys rotate` to finish it first"
                )
            return staged
        key = generate_key() if key is None else key
        write_key_file(self.staged, key)
        return LocalKeyProvider(key)

    def retire(self) -> Path:
        """Make the staged key the master key, keeping the old one as
        ``master.key.old-<key id>`` (0600). At every instant ``master.key`` exists and is the
        old or the new key, and both stay loadable: the old key file is written (and synced)
        before the staged one is renamed over ``master.key``."""
        staged = self.staged_provider()
        if staged is None:
            raise Refused("no rotation is under way: there is no master.key.new")
        old_key = _read_key_file(self.master)
        old_id = LocalKeyProvider(old_key).key_id
        keep = self.retired_path(old_id)
        if keep.exists():
            if LocalKeyProvider(_read_key_file(keep)).key_id != old_id:
                raise Refused(f"{keep} exists and holds another key")
        else:
            write_key_file(keep, old_key)
        os.replace(self.staged, self.master)
        _sync_directory(self.home)
        return keep


def _env_provider(value: str, name: str) -> LocalKeyProvider:
    return LocalKeyProvider(parse_master_key(value, name))


def _sync_directory(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (POSIX: fsync the directory)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
