"""The blind index: find a subject by email address or phone number without decrypting.

The vault stores, next to the sealed value, ``blind_index(key, kind, normalised value)``: a
keyed HMAC-SHA256, so equal inputs give equal indexes and a lookup is one equality query. The
key is the vault's blind-index key: a random 256-bit key of its own, separate from every
encryption key, made once when the vault is created and stored only wrapped by the master key
(``blind-index.key``, :mod:`policyvault.crypto.key_files`). Without it the index cannot be
recomputed, so a stolen database does not allow testing guesses (which a plain hash of a phone
number, from a space of a few billion, would). Because it is not derived from the master key,
a master-key rotation re-wraps it and every stored index stays valid.

What an index still reveals: which rows share a value. That is the price of lookup.

Normalisation decides what counts as "the same" value; both the writer and the lookup go
through it.

- **Email** (:func:`normalise_email`): surrounding whitespace removed, Unicode NFC, the whole
  address lower-cased, punycode domain labels (``xn--…``) decoded so the ASCII and Unicode
  forms of one domain agree. The local part is lower-cased too: RFC 5321 lets it be
  case-sensitive, but no mainstream provider treats it so, and people type it in any case.
  Nothing else is folded: no removal of dots or ``+tags``, which only some providers ignore
  and which would merge mailboxes that are really different.
- **Phone** (:func:`normalise_phone`): E.164 (``+821012345678``) via ``phonenumbers``, with a
  default region for numbers written without a country code (``"KR"`` for the Korean seed
  policies). The number must be *possible* (right length for its country), not *valid*
  (allocated), so that reserved fake numbers such as 555 numbers work in tests; and its E.164
  form must read back as itself, so that normalising is idempotent.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Final

import phonenumbers

from policyvault.crypto.hazmat import SecretKey, hmac_sha256, length_prefixed
from policyvault.domain.errors import InvalidInput

__all__ = [
    "DEFAULT_REGION",
    "IndexKind",
    "blind_index",
    "email_index",
    "normalise",
    "normalise_email",
    "normalise_phone",
    "phone_index",
]

DEFAULT_REGION: Final = "KR"

_LABEL: Final = b"policyvault/blind-index/v1"
_MAX_INPUT: Final = 512  # characters; longer than any address or number, refuses abuse early


class IndexKind(StrEnum):
    email = "email"
    phone = "phone"


def normalise_email(raw: str) -> str:
    """The canonical form of an email address (see the module docstring). Error messages
    never contain the address."""
    text = _bounded(raw, "email address").strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise InvalidInput("not an email address: it needs a local part, '@' and a domain")
    labels = domain.removesuffix(".").split(".")
    if any(not label for label in labels):
        raise InvalidInput("not an email address: the domain has an empty label")
    address = f"{local}@{'.'.join(_decode_label(label.lower()) for label in labels)}"
    # NFC again after lower-casing: lower() can decompose (U+0130 becomes "i" + U+0307), and
    # the result must be in NFC so that normalising it again changes nothing.
    address = unicodedata.normalize("NFC", unicodedata.normalize("NFC", address).lower())
    if address.count("@") != 1 or any(ch.isspace() or not ch.isprintable() for ch in address):
        raise InvalidInput("not an email address: unexpected '@', space or control character")
    return address


def _decode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        raise InvalidInput("not an email address: a domain label is not valid punycode") from None
    return decoded


def normalise_phone(raw: str, default_region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a phone number; ``default_region`` (ISO 3166 alpha-2) applies to a
    number written without ``+country code``. Error messages never contain the number."""
    text = _bounded(raw, "phone number")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput("not a phone number: wrong length for its country")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # For some possible-but-unallocated numbers (leading zeros, for one) the E.164 text parses
    # back to a different number. Such a value could never be found again by its own normal
    # form, so it is refused instead of indexed.
    try:
        again = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        again = None
    if (
        again is None
        or phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164) != e164
    ):
        raise InvalidInput("not a phone number: no stable international form")
    return e164


def normalise(kind: IndexKind, raw: str, default_region: str = DEFAULT_REGION) -> str:
    if kind is IndexKind.email:
        return normalise_email(raw)
    return normalise_phone(raw, default_region)


def blind_index(key: SecretKey, kind: IndexKind, normalised: str) -> str:
    """The blind index of an already-normalised value: 64 hex digits.

    The kind is part of the MAC input (length-prefixed, after a label and version), so an
    email and a phone number never share an index, and a future scheme can change the
    version. The full 256-bit MAC is kept: a lookup must not return other people's rows.

    A value that is not in normal form is refused rather than indexed, since an index of
    an un-normalised value would silently never be found.
    """
    kind = IndexKind(kind)
    if normalise(kind, normalised) != normalised:
        raise InvalidInput(f"blind_index() needs a normalised {kind.value}; normalise it first")
    message = length_prefixed(_LABEL, kind.value.encode(), normalised.encode("utf-8"))
    return hmac_sha256(key, message).hex()


def email_index(key: SecretKey, raw: str) -> str:
    """Normalise an email address and index it."""
    return blind_index(key, IndexKind.email, normalise_email(raw))


def phone_index(key: SecretKey, raw: str, default_region: str = DEFAULT_REGION) -> str:
    """Normalise a phone number and index it."""
    return blind_index(key, IndexKind.phone, normalise_phone(raw, default_region))


def _bounded(raw: str, what: str) -> str:
    if not isinstance(raw, str):
        raise InvalidInput(f"the {what} must be a string")
    if len(raw) > _MAX_INPUT:
        raise InvalidInput(f"the {what} is longer than {_MAX_INPUT} characters")
    return raw
