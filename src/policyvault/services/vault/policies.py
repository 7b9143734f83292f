"""Which policy the vault runs under: the stored versions as the last session saw them, and
each version's parsed policy, parsed once per process (by the SHA-256 of its text).

Every vault session brings this view up to date (``VaultContext.session``), so a version
scheduled by another process (``policyvault policy apply`` beside a running server) is seen
by the next operation. Between sessions the view still follows the clock: a known version
whose effective time has come is the policy in force even before a session records its
activation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from policyvault.domain.clock import Clock
from policyvault.domain.errors import PolicyInvalid
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy_versions import PolicyVersion, version_in_force
from policyvault.services.policy_files import read_policy_text

__all__ = ["PolicyVersionCache", "parse_stored_policy"]


def parse_stored_policy(number: int, text: str | None) -> Policy:
    """The policy of a stored version; ``PolicyInvalid`` if its text no longer passes the
    checks (a newer PolicyVault reading an older vault)."""
    if text is None:
        raise PolicyInvalid(f"policy version {number} has no stored text")
    result = read_policy_text(text, f"<policy version {number}>")
    if result.policy is None:
        raise PolicyInvalid("\n".join(str(e) for e in result.errors))
    return result.policy


class PolicyVersionCache:
    """Thread-safe: the view is replaced whole, under a lock, and read without one."""

    def __init__(self, initial: Policy, initial_sha256: str | None = None) -> None:
        self._initial = initial  # in force while the store holds no version
        self._versions: tuple[PolicyVersion, ...] = ()
        self._parsed: dict[str, Policy] = {}  # by the SHA-256 of the text
        if initial_sha256 is not None:  # read from the store already: not parsed again
            self._parsed[initial_sha256] = initial
        self._current = initial
        self._next_at: datetime | None = None  # the earliest effective time still to come
        self._lock = threading.Lock()

    @property
    def versions(self) -> tuple[PolicyVersion, ...]:
        return self._versions

    def policy(self, version: PolicyVersion) -> Policy | None:
        """The parsed policy of a version, if parsed already (the one in force and later ones
        are, once a session has seen them)."""
        return self._parsed.get(version.sha256)

    def remember(self, sha256: str, policy: Policy) -> None:
        """A policy parsed from the text with this digest (saves parsing it again)."""
        with self._lock:
            self._parsed[sha256] = policy

    def in_force(self, clock: Clock) -> Policy:
        current, next_at, versions = self._current, self._next_at, self._versions
        if next_at is None:
            return current
        now = clock.now()
        if now < next_at:
            return current
        version = version_in_force(versions, now)
        return self._initial if version is None else self._parsed[version.sha256]

    def update(
        self, versions: Sequence[PolicyVersion], text: Callable[[int], str | None], now: datetime
    ) -> None:
        """Take the stored versions as they are now; parse those that may be in force."""
        versions = tuple(sorted(versions, key=lambda v: v.number))
        if versions == self._versions:
            return
        in_force = version_in_force(versions, now)
        wanted = [v for v in versions if in_force is None or v.number >= in_force.number]
        with self._lock:
            for version in wanted:
                if version.sha256 not in self._parsed:
                    self._parsed[version.sha256] = parse_stored_policy(
                        version.number, text(version.number)
                    )
            self._versions = versions
            later = [v for v in versions if in_force is None or v.number > in_force.number]
            self._next_at = min((v.effective_at for v in later), default=None)
            self._current = self._initial if in_force is None else self._parsed[in_force.sha256]
