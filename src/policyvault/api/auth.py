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
    # Rights requests: submitted on the subject's behalf (the privacy center's service key)
    # or entered by staff; only staff name a subject by its id, enter a request that came by
    # letter, phone, e-mail, fax or in person, or vouch for its verification.
    "request.submit": frozenset({"admin", "privacy_officer", "handler", "service"}),
    "request.enter": frozenset({"admin", "privacy_officer", "handler"}),
    "subject.token": frozenset({"admin", "service"}),
    "request.read": frozenset({"admin", "privacy_officer", "handler", "auditor"}),
    "request.handle": frozenset({"admin", "privacy_officer", "handler"}),
    "request.review": frozenset({"privacy_officer"}),  # an agent's document (PIPA Decree 46)
    "request.work": frozenset({"admin"}),
    "recipient.manage": frozenset({"admin"}),
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
    return Caller(key, Actor(id=key.actor_id, role=key.role, source_ip=source_ip(request)))


def source_ip(request: Request) -> str | None:
    client = request.client.host if request.client else None
    return client if (client and client[0].isdigit()) or (client and ":" in client) else None


def allowed(operation: str) -> Callable[..., Caller]:
    if operation not in PERMISSIONS:
        raise KeyError(operation)  # a route naming an unknown operation fails at start-up

    def check(caller: Caller = Depends(_caller)) -> Caller:
        require(caller, operation)
        return caller

    return check


def require(caller: Caller, operation: str) -> None:
    """For what a body asks beyond its route's operation (403 when the role may not)."""
    if caller.key.role not in PERMISSIONS[operation]:
        raise HTTPException(403, f"role {caller.key.role!r} may not {operation}")
