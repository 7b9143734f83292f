"""Explaining a policy change to the people who approve it: one line per change, then when
the new version may take effect in each jurisdiction and why."""

from __future__ import annotations

from policyvault.domain.jurisdictions import ConsentChange
from policyvault.domain.policy.diff import NoticePeriod, PolicyDiff

__all__ = ["describe_diff"]


def describe_diff(diff: PolicyDiff) -> list[str]:
    """Human-readable lines: each change, a summary, one line per jurisdiction, and what
    stops the new version from taking effect on its own date; one line when nothing
    changed."""
    if not diff.changes:
        return [f"no changes from {diff.old_version} to {diff.new_version}"]
    lines = [
        f"[{c.significance}] {c.kind} {'.'.join(c.path)}: {c.summary}"
        + (f" ({c.reason})" if c.significant and c.reason else "")
        for c in diff.changes
    ]
    count = sum(1 for c in diff.changes if c.significant)
    lines.append(
        f"{len(diff.changes)} change(s), {count} significant: "
        f"{'a significant' if diff.significant else 'an ordinary'} change, "
        f"announced {diff.announced_on.isoformat()}"
    )
    lines += [_jurisdiction_line(period) for period in diff.notice.values()]
    if diff.reconsent_required:
        sources = sorted(
            {
                f"{p.jurisdiction}: {p.rule.consent_change_source}"
                for p in diff.notice.values()
                if p.rule is not None and p.rule.consent_change is ConsentChange.reconsent
            }
        )
        lines.append(
            "re-consent required before processing under the new terms: "
            + ", ".join(diff.reconsent_required)
            + (f" ({'; '.join(sources)})" if sources else "")
        )
    for jurisdiction, earliest in diff.too_early.items():
        lines.append(
            f"too early: effective date {diff.effective_date.isoformat()} is before "
            f"{earliest.isoformat()}, the earliest allowed under {jurisdiction}"
        )
    if not diff.too_early:
        lines.append(f"effective date {diff.effective_date.isoformat()}: allowed")
    return lines


def _jurisdiction_line(period: NoticePeriod) -> str:
    promise = (
        f"{period.promised_days} days promised by the policy in force"
        if period.promised_days
        else "no notice promised by the policy in force"
    )
    rule = period.rule
    if rule is None:
        law = "no rule for this jurisdiction in the table: the promise alone binds"
    else:
        law = f"statutory minimum {period.statutory_days} days, {rule.source}"
    return (
        f"{period.jurisdiction}: earliest {period.earliest.isoformat()} "
        f"({period.days} days' notice: {promise}; {law})"
    )
