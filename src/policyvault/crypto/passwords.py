"""Passwords: stored only as Argon2id hashes, and only ever verified.

There is no function that returns a password or anything a password can be recovered from
except by guessing, which Argon2id makes slow and memory-hungry (LEGAL 1.6; checklist 52:
"salted one-way hashes from a modern KDF"). A stored hash is a PHC string such as
``$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`` carrying its own random 128-bit salt and
its parameters, so parameters can be raised later: :func:`needs_rehash` says when a hash was
made with older ones, and the sign-in service re-hashes the password it has just verified.

The default parameters are RFC 9106's second recommended option (section 4, for memory-
constrained environments): Argon2id, t=3, m=64 MiB, p=4, 128-bit salt, 256-bit tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from policyvault.domain.errors import InvalidInput

__all__ = [
    "DEFAULT_PARAMETERS",
    "Argon2Parameters",
    "hash_password",
    "needs_rehash",
    "verify_password",
]


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int = 3  # passes over memory
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4
    salt_len: int = 16  # bytes
    hash_len: int = 32  # bytes

    def hasher(self) -> PasswordHasher:
        # Always Argon2id: side-channel resistance of Argon2i for the first pass, GPU
        # resistance of Argon2d for the rest (RFC 9106 section 4 recommends it).
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost_kib,
            parallelism=self.parallelism,
            hash_len=self.hash_len,
            salt_len=self.salt_len,
            type=Type.ID,
        )


DEFAULT_PARAMETERS: Final = Argon2Parameters()


def hash_password(password: str, parameters: Argon2Parameters = DEFAULT_PARAMETERS) -> str:
    """The Argon2id hash of ``password`` with a fresh random salt, as a PHC string."""
    if not isinstance(password, str):
        raise InvalidInput("a password must be a string")
    return parameters.hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``. Never raises for a wrong password or a
    malformed hash: both are simply ``False``, so a caller cannot turn one into an error
    message that tells them apart. The parameters come from the hash itself."""
    if not isinstance(password_hash, str) or not isinstance(password, str):
        return False
    try:
        # The parameters of the hasher do not matter for verification; the hash says.
        return DEFAULT_PARAMETERS.hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, parameters: Argon2Parameters = DEFAULT_PARAMETERS) -> bool:
    """Whether ``password_hash`` was made with other parameters (or is not an Argon2id hash
    at all), so the password should be hashed again after its next successful check."""
    try:
        return parameters.hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True
