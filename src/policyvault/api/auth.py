"""API keys bound to roles. A route names the operation; this table says which roles may
perform it. Purpose grants are checked by the vault itself, per read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request

from policyvault.domain.audit import Actor
from policyvault.storage.api_keys import ApiKey

PERMISSIONS: dict[str, frozenset[str]] = {
    "policy.read": frozenset({"admin", "privacy_officer", "handler", "service", "auditor"}),
    "subject.collect": frozenset({"admin", "service"}),
    "subject.read": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "subject.disclose": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "subject.consent": frozenset({"admin", "privacy_officer", "service"}),
    "subject.choice": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "subject.event": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "subject.correct": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "subject.find": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "grant.manage": frozenset({"admin", "privacy_officer"}),
    "grant.read": frozenset({"admin", "privacy_officer", "auditor"}),
    "sandbox.clock": frozenset({"admin"}),
    # Statutory records: added by the systems that make them, read by anyone the vault finds
    # a grant for legal.statutory_retention for (it checks, per read).
    "record.add": frozenset({"admin", "service"}),
    "record.read": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "hold.manage": frozenset({"admin", "privacy_officer"}),
    "hold.read": frozenset({"admin", "privacy_officer", "auditor"}),
    # Deadlines, the queue, certificates and statistics: counts and keys, never values.
    "retention.read": frozenset({"admin", "privacy_officer", "auditor"}),
    "retention.sweep": frozenset({"admin"}),
    # The approver the policy names is checked again by the vault (destruction.approver).
    "retention.decide": frozenset({"privacy_officer"}),
}


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    actor: Actor


def _caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    keys = request.app.state.api_keys
    key = keys.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise HTTPException(
            401,
            "a valid API key is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    client = request.client.host if request.client else None
    source_ip = client if (client and client[0].isdigit()) or (client and ":" in client) else None
    return Caller(key, Actor(id=key.actor_id, role=key.role, source_ip=source_ip))


def allowed(operation: str) -> Callable[..., Caller]:
    roles = PERMISSIONS[operation]

    def check(caller: Caller = Depends(_caller)) -> Caller:
        if caller.key.role not in roles:
            raise HTTPException(403, f"role {caller.key.role!r} may not {operation}")
        return caller

    return check
