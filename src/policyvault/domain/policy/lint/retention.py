"""Retention and destruction promises, for every policy: how long each thing is kept, by
whom, and how soon it is destroyed after. A vault can only keep a promise with an end.

Each finding names the sources of the laws the policy declares (``cite``).
"""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint.rule import (
    EU_GDPR,
    KR_PIPA,
    US_CCPA,
    US_COPPA,
    Check,
    Rule,
    abroad,
    cite,
    declares,
    listing,
    section_path,
)
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import RetentionKind

WARN, INFO = Severity.warning, Severity.info
OPEN_ENDED_RETENTION = Rule("L101", WARN, "retention ends only when the purpose is achieved")
PURPOSE_WITHOUT_RETENTION = Rule("L102", WARN, "a purpose has no retention rule")
ITEMS_WITHOUT_RETENTION = Rule("L103", WARN, "items of a purpose no retention rule covers")
PROCESSOR_WITHOUT_RETENTION = Rule("L104", WARN, "a processor states no retention")
RECIPIENT_WITHOUT_RETENTION = Rule("L105", WARN, "a third party states no retention")
SHORT_ACCESS_LOG = Rule("L106", WARN, "access-log retention not stated, or under one year")
LONG_GRACE_PERIOD = Rule("L107", WARN, "destruction grace period over five days")
COMPANY_POLICY_RECORD = Rule("L108", INFO, "a record kept by company policy, not by a statute")
TRACKER_WITHOUT_DURATION = Rule("L109", INFO, "a tracker states no duration")

RULES = (
    OPEN_ENDED_RETENTION,
    PURPOSE_WITHOUT_RETENTION,
    ITEMS_WITHOUT_RETENTION,
    PROCESSOR_WITHOUT_RETENTION,
    RECIPIENT_WITHOUT_RETENTION,
    SHORT_ACCESS_LOG,
    LONG_GRACE_PERIOD,
    COMPANY_POLICY_RECORD,
    TRACKER_WITHOUT_DURATION,
)

ACCESS_LOG_FLOOR = Duration(months=12)  # PIPC Safety Standard Art 8(1)
GRACE_DAYS = 5  # PIPC Standard Guideline Art 10(1)

_RETENTION_SOURCES = {
    KR_PIPA: "PIPA Art 21(1), 30(1)2",
    EU_GDPR: "GDPR Art 5(1)(e), 13(2)(a)",
    US_CCPA: "CCPA §1798.100(a)(3)",
    US_COPPA: "16 CFR §312.10",
}


def open_ended_retention(policy: Policy) -> Iterator[Finding]:
    for index, rule in enumerate(policy.retention):
        if rule.period is None and rule.until == "purpose_achieved":
            yield OPEN_ENDED_RETENTION.finding(
                ("retention", index, "until"),
                f"retention for {rule.purpose!r} ends only 'when the purpose is achieved', with "
                "no period: that is 'as long as reasonably necessary', a promise nobody can "
                "check; expected a period (e.g. period: P1Y) or a concrete event such as "
                f"account_closed {cite(policy, _RETENTION_SOURCES)}",
            )


def purpose_without_retention(policy: Policy) -> Iterator[Finding]:
    covered = {rule.purpose for rule in policy.retention}
    for key in policy.purposes:
        if key not in covered:
            yield PURPOSE_WITHOUT_RETENTION.finding(
                ("purposes", key),
                f"purpose {key!r} has no retention rule: the notice cannot say how long its "
                "data is kept and the vault never destroys it; expected a retention rule with "
                f"'until', 'period' or both {cite(policy, _RETENTION_SOURCES)}",
            )


def items_without_retention(policy: Policy) -> Iterator[Finding]:
    for key, purpose in policy.purposes.items():
        rules = [rule for rule in policy.retention if rule.purpose == key]
        if not rules or any(rule.items is None for rule in rules):
            continue  # no rule (L102), or a rule for every item of the purpose
        kept = {item for rule in rules for item in rule.items or []}
        missing = [item for item in purpose.items if item not in kept]
        if missing:
            yield ITEMS_WITHOUT_RETENTION.finding(
                ("purposes", key, "items"),
                f"purpose {key!r} uses {listing(missing)}, which none of its retention rules "
                "covers; expected a rule without 'items' or one listing them "
                f"{cite(policy, _RETENTION_SOURCES)}",
            )


def processor_without_retention(policy: Policy) -> Iterator[Finding]:
    home = policy.controller.country
    for index, processor in enumerate(policy.processors):
        if processor.retention is not None:
            continue
        overseas = any(abroad(country, home) for country in processor.countries)
        sources = {
            KR_PIPA: "PIPA Art 28-8(2)4" if overseas else "PIPA Art 21(1), 26(1)",
            EU_GDPR: "GDPR Art 13(2)(a), 28(3)(g)",
            US_CCPA: "CCPA §1798.100(a)(3)",
        }
        yield PROCESSOR_WITHOUT_RETENTION.finding(
            ("processors", index),
            f"processor {processor.id!r} states no retention: the notice cannot say how long "
            "it keeps the data and nobody knows when to ask it to delete; expected 'retention' "
            f"(e.g. 'until the service contract ends') {cite(policy, sources)}",
        )


def recipient_without_retention(policy: Policy) -> Iterator[Finding]:
    if policy.provision is None:
        return
    sources = {
        KR_PIPA: "PIPA Art 17(2)4",
        EU_GDPR: "GDPR Art 13(2)(a)",
        US_CCPA: "CCPA §1798.100(a)(3)",
    }
    for index, party in enumerate(policy.provision.recipients):
        if party.retention is None:
            yield RECIPIENT_WITHOUT_RETENTION.finding(
                ("provision", "recipients", index),
                f"third party {party.id!r} states no retention period for the data it receives; "
                f"expected 'retention' {cite(policy, sources)}",
            )


def short_access_log(policy: Policy) -> Iterator[Finding]:
    log = policy.access_log
    if log is None:
        if declares(policy, KR_PIPA):
            yield SHORT_ACCESS_LOG.finding(
                section_path(policy, "access_log", KR_PIPA),
                "the policy says nothing about access logs: how long the records of access to "
                "the systems that process personal information are kept, and whether they are "
                "protected against forgery; expected access_log with a retention of at least "
                "P1Y and tamper_evident (Decree Art 30(1), 31(1)3; Safety Standard Art 8)",
            )
        return
    period = log.retention
    if ACCESS_LOG_FLOOR.surely_longer_than(period):
        yield SHORT_ACCESS_LOG.finding(
            ("access_log", "retention"),
            f"access logs are kept for {period}, less than the one-year minimum; expected at "
            "least P1Y (PIPC Safety Standard Art 8(1))",
        )


def long_grace_period(policy: Policy) -> Iterator[Finding]:
    days = policy.destruction.grace_period_days
    if days > GRACE_DAYS:
        yield LONG_GRACE_PERIOD.finding(
            ("destruction", "grace_period_days"),
            f"data is destroyed up to {days} days after its retention ends; expected at most "
            f"{GRACE_DAYS} days (PIPA Art 21(1) 'without delay'; PIPC Standard Guideline "
            "Art 10(1))",
        )


def company_policy_record(policy: Policy) -> Iterator[Finding]:
    sources = {KR_PIPA: "PIPA Art 21(1) proviso, 30(1)3-2", EU_GDPR: "GDPR Art 17(3)(b)"}
    for index, record in enumerate(policy.statutory_retention):
        if record.kind is RetentionKind.company_policy:
            yield COMPANY_POLICY_RECORD.finding(
                ("statutory_retention", index, "kind"),
                f"record type {record.record_type!r} is kept by company policy, not by a "
                "statute, and only a statute overrides a deletion request; expected the notice "
                "to present it as the company's own choice, with its reason and a lawful basis "
                f"(legitimate interest or consent) {cite(policy, sources)}",
            )


def tracker_without_duration(policy: Policy) -> Iterator[Finding]:
    if policy.cookies is None:
        return
    sources = {
        KR_PIPA: "PIPA Art 30(1)7",
        EU_GDPR: "GDPR Art 13(2)(a)",
        US_CCPA: "CCPA §1798.100(a)(3)",
    }
    for index, tracker in enumerate(policy.cookies.trackers):
        if tracker.duration is None and not tracker.session:
            yield TRACKER_WITHOUT_DURATION.finding(
                ("cookies", "trackers", index),
                f"tracker {tracker.name!r} ({tracker.kind}) states no lifetime, so the notice "
                "says it is not stated; expected 'duration' (e.g. P1Y) or 'session: true' "
                f"{cite(policy, sources)}",
            )


CHECKS: tuple[Check, ...] = (
    open_ended_retention,
    purpose_without_retention,
    items_without_retention,
    processor_without_retention,
    recipient_without_retention,
    short_access_log,
    long_grace_period,
    company_policy_record,
    tracker_without_duration,
)
