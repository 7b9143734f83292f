"""Changing the policy of a running vault: a new version is scheduled, takes effect only after
the notice period ``policy diff`` computes, and is then the policy the vault enforces.

* ``schedule_policy`` compares the new text with the latest stored version, refuses another
  policy, refuses an effective date earlier than any jurisdiction allows (naming the
  jurisdiction, the date and the rule), and stores the version with the consent-based
  purposes whose terms it changes.
* ``activate_due_versions`` puts in force what is due now (every vault session does so too,
  see ``VaultContext.session``); ``activate_version`` activates one version and refuses it
  before its effective time.
* ``record_first_version`` stores version 1 when a vault is made.

Notice is counted in whole days from the announcement date, which may not be earlier than
today on the vault's clock: the vault counts notice from when it holds the version (LEGAL
item 58). The texts live in the database, beside the records they govern.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.errors import InvalidInput, NotFound, PolicyInvalid, Refused
from policyvault.domain.policy.diff import DifferentPolicies, PolicyDiff, diff_policies
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy_versions import (
    PolicyVersion,
    VersionStatus,
    start_of_day,
    version_in_force,
    version_status,
)
from policyvault.services.audit import AuditLog
from policyvault.services.policy_files import (
    MAX_POLICY_BYTES,
    read_policy_file,
    read_policy_text,
)
from policyvault.services.ports import VaultSession, VaultStore
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.policies import parse_stored_policy

__all__ = [
    "NoticeTooShort",
    "Scheduled",
    "VersionView",
    "activate_due_versions",
    "activate_version",
    "list_versions",
    "policy_from_text",
    "policy_in_force",
    "read_policy_source",
    "record_first_version",
    "schedule_policy",
]


class NoticeTooShort(Refused):
    """The new version's effective date comes before its notice period ends."""

    code = "notice_too_short"


@dataclass(frozen=True)
class Scheduled:
    version: PolicyVersion
    diff: PolicyDiff
    policy: Policy


@dataclass(frozen=True)
class VersionView:
    version: PolicyVersion
    status: VersionStatus


def read_policy_source(path: Path) -> str:
    """The text of a policy file, as it will be stored; ``PolicyInvalid`` as ``policy check``
    reports it when the file cannot be read, is too large or is not UTF-8."""
    try:
        raw = path.read_bytes()
        if len(raw) <= MAX_POLICY_BYTES:
            return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    result = read_policy_file(path)
    raise PolicyInvalid("\n".join(str(e) for e in result.errors) or f"{path}: cannot be read")


def record_first_version(
    store: VaultStore, audit: AuditLog, text: str, at: datetime, actor: Actor
) -> PolicyVersion:
    """Store ``text`` as version 1, in force from ``at``: the policy a new vault starts with."""
    policy = policy_from_text(text, "<policy>")
    version = PolicyVersion(
        number=1,
        label=policy.version,
        sha256=_digest(text),
        announced_at=at,
        effective_at=at,
        activated_at=at,
    )
    with store.session() as session:
        if session.policy_versions():
            raise Refused("the database holds policy versions already: it belongs to a vault")
        session.add_policy_version(version, text)
        audit.record(
            AuditEvent(
                actor=actor,
                action="policy.adopt",
                decision=Decision.allow(
                    "policy_version", f"policy version 1 ({policy.version}) in force"
                ),
                details={"version": 1, "sha256": version.sha256},
            ),
            connection=session.audit_connection,
        )
    return version


def policy_in_force(store: VaultStore, now: datetime) -> tuple[PolicyVersion, Policy] | None:
    """The stored version in force at ``now`` and its policy; None when none is stored."""
    with store.session() as session:
        version = version_in_force(session.policy_versions(), now)
        if version is None:
            return None
        return version, parse_stored_policy(version.number, session.policy_text(version.number))


def schedule_policy(
    ctx: VaultContext,
    text: str,
    actor: Actor,
    *,
    announced_on: date | None = None,
    name: str = "<policy>",
) -> Scheduled:
    """Store ``text`` as the next version, effective on its own ``effective_date`` (00:00 in
    its time zone), announced on ``announced_on`` (default: today on the vault's clock).

    Raises ``PolicyInvalid`` (the text fails its checks), ``DifferentPolicies`` (another
    policy id), ``InvalidInput`` (an announcement date already past), ``NoticeTooShort`` (the
    effective date is earlier than a jurisdiction allows) or ``Refused`` (the same text
    again, or a date before the version it follows)."""
    new = policy_from_text(text, name)
    now = ctx.now()
    today = now.astimezone(ZoneInfo(new.timezone)).date()
    announced = announced_on or today
    if announced < today:
        raise InvalidInput(
            f"announcement date {announced.isoformat()} is before today ({today.isoformat()} "
            f"in {new.timezone}): notice counts from when the vault holds the version"
        )
    with ctx.session() as session:
        latest = _latest(session)
        old = _policy_of(ctx, session, latest)
        if old.id != new.id:
            raise DifferentPolicies(
                f"this vault runs policy {old.id!r}; {new.id!r} is a different policy"
            )
        digest = _digest(text)
        if digest == latest.sha256:
            raise Refused(f"the text is that of policy version {latest.number} already")
        diff = diff_policies(old, new, announced)
        if diff.too_early:
            raise NoticeTooShort(_too_early(diff))
        effective_at = max(start_of_day(new.effective_date, new.timezone), now)
        if latest.activated_at is None and effective_at < latest.effective_at:
            raise Refused(
                f"the new version would take effect on {new.effective_date.isoformat()}, "
                f"before policy version {latest.number}, scheduled for "
                f"{_local(latest.effective_at, new.timezone)}"
            )
        version = PolicyVersion(
            number=latest.number + 1,
            label=new.version,
            sha256=digest,
            announced_at=start_of_day(announced, new.timezone),
            effective_at=effective_at,
            reconsent_purposes=tuple(diff.reconsent_required),
        )
        session.add_policy_version(version, text)
        ctx.versions.remember(digest, new)
        ctx.record(
            session,
            actor,
            "policy.schedule",
            Decision.allow(
                "notice_period",
                f"policy version {version.number} ({new.version}) announced "
                f"{announced.isoformat()}, effective {new.effective_date.isoformat()}: "
                f"{'a significant' if diff.significant else 'an ordinary'} change",
            ),
            details={
                "version": version.number,
                "sha256": digest,
                "effective_at": effective_at.isoformat(),
                "changes": len(diff.changes),
                "reconsent_purposes": list(version.reconsent_purposes),
            },
        )
        activated = ctx.activate_due(session, actor)  # effective at once: in force at once
    version = next((v for v in activated if v.number == version.number), version)
    return Scheduled(version, diff, new)


def activate_due_versions(ctx: VaultContext, actor: Actor) -> list[PolicyVersion]:
    """Put in force every version whose effective time has come; those activated now."""
    with ctx.store.session() as session:
        return ctx.activate_due(session, actor)


def activate_version(ctx: VaultContext, number: int, actor: Actor) -> list[PolicyVersion]:
    """Activate version ``number`` (and any due before it); ``Refused`` before its effective
    time: a version takes effect only after its notice period."""
    with ctx.store.session() as session:
        stored = {v.number: v for v in session.policy_versions()}
        version = stored.get(number)
        if version is None:
            raise NotFound(f"no policy version {number} in this vault")
        if version.activated_at is not None:
            raise Refused(
                f"policy version {number} is in force since {version.activated_at.isoformat()}"
            )
        if not version.due(ctx.now()):
            policy = _policy_of(ctx, session, version)
            raise NoticeTooShort(
                f"policy version {number} takes effect on "
                f"{_local(version.effective_at, policy.timezone)}, after its notice period; "
                "it cannot be activated before"
            )
        return ctx.activate_due(session, actor)


def list_versions(ctx: VaultContext) -> list[VersionView]:
    with ctx.session() as session:
        versions = session.policy_versions()
    now = ctx.now()
    return [VersionView(v, version_status(v, versions, now)) for v in versions]


# --- helpers -------------------------------------------------------------------------------------


def policy_from_text(text: str, name: str = "<policy>") -> Policy:
    """The policy in ``text``, or ``PolicyInvalid`` listing every error (``name:line:col``)."""
    result = read_policy_text(text, name)
    if result.policy is None:
        raise PolicyInvalid("\n".join(str(e) for e in result.errors))
    return result.policy


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _latest(session: VaultSession) -> PolicyVersion:
    versions = session.policy_versions()
    if not versions:
        raise NotFound("this vault holds no policy version (a vault starts with version 1)")
    return versions[-1]


def _policy_of(ctx: VaultContext, session: VaultSession, version: PolicyVersion) -> Policy:
    known = ctx.versions.policy(version)
    if known is not None:
        return known
    policy = parse_stored_policy(version.number, session.policy_text(version.number))
    ctx.versions.remember(version.sha256, policy)
    return policy


def _local(when: datetime, timezone: str) -> str:
    return f"{when.astimezone(ZoneInfo(timezone)).isoformat(timespec='minutes')} ({timezone})"


def _too_early(diff: PolicyDiff) -> str:
    """One line: the jurisdiction whose notice ends last, its date, and the rule behind it."""
    jurisdiction, earliest = max(diff.too_early.items(), key=lambda pair: pair[1])
    period = diff.notice[jurisdiction]
    kind = "significant" if diff.significant else "ordinary"
    rule = (
        f"statutory minimum {period.statutory_days} days, {period.rule.source}"
        if period.rule is not None
        else "no statutory rule for this jurisdiction in the table"
    )
    others = len(diff.too_early) - 1
    return (
        f"too early: effective_date {diff.effective_date.isoformat()} is before "
        f"{earliest.isoformat()}, the earliest date allowed under {jurisdiction} for "
        f"{'a' if kind == 'significant' else 'an'} {kind} change announced "
        f"{diff.announced_on.isoformat()} ({period.days} days' notice: "
        f"{period.promised_days} days promised by the policy in force; {rule})"
        + (f"; {others} more jurisdiction(s) too" if others else "")
    )
