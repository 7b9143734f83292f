"""Destruction certificates: one per batch, written when the batch's last piece of work is
done. A certificate says what was destroyed (counts per item key and record type), by which
rule and statute, who approved it and when, how, and when it was done. It names no subject
and holds no value; it is kept in the database and exported as JSON or HTML."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import jinja2

from policyvault.domain.policy.model import Policy
from policyvault.domain.retention import Action, Certificate, RetentionTask, TargetKind
from policyvault.domain.retention.work import ACTION_METHOD


def certificate_body(
    policy: Policy, certificate_id: str, batch_id: str, done: Sequence[RetentionTask], now: datetime
) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[RetentionTask]] = {}
    for task in done:
        if task.deadline.target_kind is TargetKind.subject_keys:
            continue
        groups.setdefault((task.deadline.rule, task.deadline.action.value), []).append(task)
    approvals = sorted(
        {
            (t.decided_by or "", _iso(t.decided_at))
            for t in done
            if t.decided_by and t.deadline.target_kind is not TargetKind.subject_keys
        },
        key=lambda a: a[1] or "",
    )
    done_times = [t.done_at for t in done if t.done_at is not None]
    return {
        "certificate_id": certificate_id,
        "batch_id": batch_id,
        "issued_at": _iso(now),
        "policy": {"id": policy.id, "version": policy.version},
        "approval_required": bool(policy.destruction.approval_required),
        "approvals": [{"by": by, "at": at} for by, at in approvals],
        "executed": {
            "first": _iso(min(done_times)) if done_times else None,
            "last": _iso(max(done_times)) if done_times else None,
        },
        "subjects": len({t.subject_id for t in done}),
        "keys_destroyed": sum(1 for t in done if t.deadline.target_kind is TargetKind.subject_keys),
        "groups": [
            _group(policy, rule, Action(action), tasks)
            for (rule, action), tasks in sorted(groups.items())
        ],
        "method": policy.destruction.method.get("en") if policy.destruction.method else None,
    }


def _group(policy: Policy, rule: str, action: Action, tasks: list[RetentionTask]) -> dict[str, Any]:
    items = Counter(
        t.deadline.target_key for t in tasks if t.deadline.target_kind is TargetKind.item
    )
    records = Counter(
        t.deadline.record_type or "unknown"
        for t in tasks
        if t.deadline.target_kind is TargetKind.record
    )
    kind, _, key = rule.partition(":")
    statute: dict[str, Any] | None = None
    record_type = next((t.deadline.record_type for t in tasks if t.deadline.record_type), None)
    declared = next(
        (
            s
            for s in policy.statutory_retention
            if s.record_type == (key if kind == "statute" else record_type)
        ),
        None,
    )
    if kind == "statute" and declared is not None:
        statute = {
            "record_type": declared.record_type,
            "label": declared.label.get("en"),
            "statute": declared.statute.get("en") if declared.statute else None,
            "article": declared.article.get("en") if declared.article else None,
            "kind": declared.kind.value,
            "period": declared.period.canonical(),
        }
    ends = [t.deadline.end_at for t in tasks]
    dues = [t.deadline.due_at for t in tasks]
    return {
        "rule": rule,
        "basis": {
            "purpose": "end of purpose",
            "consent": "consent withdrawn",
            "statute": "statutory period ended",
        }.get(kind, kind),
        "statute": statute,
        "action": action.value,
        "method": ACTION_METHOD[action],
        "items": dict(sorted(items.items())),
        "records": dict(sorted(records.items())),
        "retention_ended": {"first": _iso(min(ends)), "last": _iso(max(ends))},
        "due": {"first": _iso(min(dues)), "last": _iso(max(dues))},
        "done_late": sum(
            1 for t in tasks if t.done_at is not None and t.done_at > t.deadline.due_at
        ),
    }


def certificate_json(certificate: Certificate) -> str:
    return json.dumps(certificate.body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("policyvault", "templates/retention"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def certificate_html(certificate: Certificate) -> str:
    return _TEMPLATES.get_template("certificate.html.j2").render(c=certificate.body)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()
