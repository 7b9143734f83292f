"""Destruction certificates: one per batch, written when the batch's last piece of work is
done. A certificate says what was destroyed (counts per item key and record type), by which
rule and statute, who approved it and when, how, and when it was done. It names no subject
and holds no value; it is kept in the database and exported as JSON or HTML."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import jinja2

from policyvault.domain.policy.model import Policy
from policyvault.domain.retention import Action, Certificate, RetentionTask, TargetKind
from policyvault.domain.retention.work import ACTION_METHOD


def certificate_body(
    policy: Policy,
    certificate_id: str,
    batch_id: str,
    done: Iterable[RetentionTask],
    now: datetime,
    *,
    subjects: int | None = None,
) -> dict[str, Any]:
    """``done``: the batch's work, read once, in any order (a stream of pages: the certificate
    keeps counts, never the tasks). ``subjects``: how many subjects they concern, when the
    caller counted them (else they are counted here, which keeps their ids meanwhile)."""
    groups: dict[tuple[str, str], _Group] = {}
    approvals: set[tuple[str, str | None]] = set()
    first_done: datetime | None = None
    last_done: datetime | None = None
    subject_ids: set[str] = set()
    keys_destroyed = 0
    for task in done:
        if subjects is None:
            subject_ids.add(task.subject_id)
        if task.done_at is not None:
            first_done = task.done_at if first_done is None else min(first_done, task.done_at)
            last_done = task.done_at if last_done is None else max(last_done, task.done_at)
        if task.deadline.target_kind is TargetKind.subject_keys:
            keys_destroyed += 1
            continue
        if task.decided_by:
            approvals.add((task.decided_by, _iso(task.decided_at)))
        key = (task.deadline.rule, task.deadline.action.value)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(task)
        group.add(task)
    return {
        "certificate_id": certificate_id,
        "batch_id": batch_id,
        "issued_at": _iso(now),
        "policy": {"id": policy.id, "version": policy.version},
        "approval_required": bool(policy.destruction.approval_required),
        "approvals": [
            {"by": by, "at": at} for by, at in sorted(approvals, key=lambda a: a[1] or "")
        ],
        "executed": {"first": _iso(first_done), "last": _iso(last_done)},
        "subjects": len(subject_ids) if subjects is None else subjects,
        "keys_destroyed": keys_destroyed,
        "groups": [
            _group(policy, rule, Action(action), groups[(rule, action)])
            for rule, action in sorted(groups)
        ],
        "method": policy.destruction.method.get("en") if policy.destruction.method else None,
    }


class _Group:
    """The counts of one (rule, action) of a batch, task by task."""

    def __init__(self, first: RetentionTask) -> None:
        self.items: Counter[str] = Counter()
        self.records: Counter[str] = Counter()
        self.record_type: str | None = None  # the first one given
        self.first_end = self.last_end = first.deadline.end_at
        self.first_due = self.last_due = first.deadline.due_at
        self.done_late = 0

    def add(self, task: RetentionTask) -> None:
        d = task.deadline
        if d.target_kind is TargetKind.item:
            self.items[d.target_key] += 1
        elif d.target_kind is TargetKind.record:
            self.records[d.record_type or "unknown"] += 1
        if self.record_type is None and d.record_type:
            self.record_type = d.record_type
        self.first_end, self.last_end = min(self.first_end, d.end_at), max(self.last_end, d.end_at)
        self.first_due, self.last_due = min(self.first_due, d.due_at), max(self.last_due, d.due_at)
        if task.done_at is not None and task.done_at > d.due_at:
            self.done_late += 1


def _group(policy: Policy, rule: str, action: Action, group: _Group) -> dict[str, Any]:
    kind, _, key = rule.partition(":")
    statute: dict[str, Any] | None = None
    declared = next(
        (
            s
            for s in policy.statutory_retention
            if s.record_type == (key if kind == "statute" else group.record_type)
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
        "items": dict(sorted(group.items.items())),
        "records": dict(sorted(group.records.items())),
        "retention_ended": {"first": _iso(group.first_end), "last": _iso(group.last_end)},
        "due": {"first": _iso(group.first_due), "last": _iso(group.last_due)},
        "done_late": group.done_late,
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
