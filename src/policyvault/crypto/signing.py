"""Ed25519 signatures over audit checkpoints.

A :class:`CheckpointSigner` holds the private key and signs the bytes of
:func:`policyvault.domain.audit.checkpoint_message`; a :class:`CheckpointVerifier` holds only the
public key, which is exported as PEM (SubjectPublicKeyInfo) so that an outside party can check
checkpoints and proofs without any access to the database.

The key id is the first 16 hex digits of SHA-256 over the raw 32-byte public key; it tells keys
apart, it proves nothing. Every failure to verify is the same ``False``: a bad signature, another
key, a malformed signature.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from policyvault.domain.audit.chain import SignedCheckpoint, TreeHead, checkpoint_message
from policyvault.domain.errors import InvalidInput

__all__ = ["CheckpointSigner", "CheckpointVerifier"]


class CheckpointVerifier:
    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def from_pem(cls, pem: bytes) -> CheckpointVerifier:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError):
            raise InvalidInput("not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput("not an Ed25519 public key")
        return cls(key)

    def to_pem(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify(self, checkpoint: SignedCheckpoint) -> bool:
        try:
            self._key.verify(checkpoint.signature, checkpoint_message(checkpoint.head))
        except InvalidSignature:
            return False
        return True


class CheckpointSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.verifier = CheckpointVerifier(private_key.public_key())

    @classmethod
    def generate(cls) -> CheckpointSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> CheckpointSigner:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError):
            raise InvalidInput("not an unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput("not an Ed25519 private key")
        return cls(key)

    def to_pem(self) -> bytes:
        """The private key as unencrypted PKCS #8 PEM: store it with owner-only permissions."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def key_id(self) -> str:
        return self.verifier.key_id

    def sign(
        self, *, tree_size: int, root_hash: bytes, chain_head: bytes, issued_at: datetime
    ) -> SignedCheckpoint:
        head = TreeHead(tree_size, root_hash, chain_head, issued_at)
        signature = self._key.sign(checkpoint_message(head))
        return SignedCheckpoint(head=head, key_id=self.key_id, signature=signature)
