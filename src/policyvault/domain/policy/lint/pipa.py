"""PIPA (kr-pipa): what Art 30(1) and Decree Art 31(1) require a privacy policy to contain.

Art 30(1): 1 purposes; 2 processing and retention periods; 3 third-party provision; 3-2
destruction procedure and method, with the basis and items of data kept under other laws;
4 entrustment; 5 the subjects' rights and how to exercise them; 6 the privacy officer's name
or the department, with a phone number or other contact; 7 automatic collection devices
(install, operate, refuse); 8 what the Decree adds. Decree Art 31(1): 1 the items processed;
2 overseas transfers (``pipa_transfer``); 3 the safety measures of Decree Art 30. Retention,
items and remedies are checked for every policy in ``retention`` and ``general``.
"""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.data import CollectionKind
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint import pipa_transfer
from policyvault.domain.policy.lint.rule import (
    KR_PIPA,
    Check,
    Rule,
    alternatives,
    child_rules,
    listing,
    section_path,
)
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right, SafetyKind
from policyvault.domain.policy.taxonomy import under_namespace

JURISDICTION = KR_PIPA

WARN, INFO = Severity.warning, Severity.info
PURPOSE_NOT_DESCRIBED = Rule("L120", INFO, "a purpose with a label but no description")
DESTRUCTION_NOT_DESCRIBED = Rule("L121", WARN, "no destruction procedure or method")
RECORD_WITHOUT_ARTICLE = Rule("L122", INFO, "a statutory record that names no article")
NO_PROVISION_STATEMENT = Rule("L123", INFO, "no third-party provision statement")
PIPA_RIGHTS_MISSING = Rule("L124", WARN, "PIPA rights (access, correction, deletion, suspension)")
NO_OFFICER_NAME = Rule("L125", WARN, "neither the privacy officer's name nor a department")
NO_COOKIE_NOTICE = Rule("L126", WARN, "automatic collection without a cookies section")
SAFETY_MEASURES_MISSING = Rule("L127", WARN, "managerial, technical or physical measures missing")
NO_CHILD_RULE = Rule("L128", WARN, "no kr-pipa children rule with minimum age 14")
NO_CHANGE_CHANNEL = Rule("L129", INFO, "no channel for announcing policy changes")
SHORT_CHANGE_NOTICE = Rule("L130", INFO, "changes announced less than 7 / 30 days ahead")
ACCESS_LOG_UNDER_TWO_YEARS = Rule("L131", WARN, "access logs under two years with sensitive data")
NO_DOMESTIC_REPRESENTATIVE = Rule("L132", INFO, "a controller abroad with no domestic agent")
ACCESS_LOG_NOT_PROTECTED = Rule("L133", WARN, "access logs not stated to be tamper-protected")
NO_AGENT_STATEMENT = Rule("L134", INFO, "no statement on exercising rights through an agent")

RULES = (
    PURPOSE_NOT_DESCRIBED,
    DESTRUCTION_NOT_DESCRIBED,
    RECORD_WITHOUT_ARTICLE,
    NO_PROVISION_STATEMENT,
    PIPA_RIGHTS_MISSING,
    NO_OFFICER_NAME,
    NO_COOKIE_NOTICE,
    SAFETY_MEASURES_MISSING,
    NO_CHILD_RULE,
    NO_CHANGE_CHANNEL,
    SHORT_CHANGE_NOTICE,
    ACCESS_LOG_UNDER_TWO_YEARS,
    NO_DOMESTIC_REPRESENTATIVE,
    ACCESS_LOG_NOT_PROTECTED,
    NO_AGENT_STATEMENT,
    *pipa_transfer.RULES,
)

CHILD_AGE = 14  # PIPA Art 22-2(1)
NOTICE_DAYS, SIGNIFICANT_NOTICE_DAYS = 7, 30  # KFTC e-commerce standard terms Art 3(4)
LONG_ACCESS_LOG = Duration(months=24)  # Safety Standard Art 8(1), unique ids or sensitive data
PIPA_RIGHTS = (Right.access, Right.correction, Right.deletion, Right.restriction)
COOKIE_CATEGORIES = ["user.device.cookie_id", "user.device.cookie"]


def purpose_not_described(policy: Policy) -> Iterator[Finding]:
    for key, purpose in policy.purposes.items():
        if purpose.description is None:
            yield PURPOSE_NOT_DESCRIBED.finding(
                ("purposes", key),
                f"purpose {key!r} has only the label {str(purpose.label)!r}: say in a sentence "
                "what the data is used for; expected 'description' (PIPA Art 30(1)1; Decree "
                "Art 17(1)2: specific and clear)",
            )


def destruction_not_described(policy: Policy) -> Iterator[Finding]:
    missing = [
        field for field in ("procedure", "method") if getattr(policy.destruction, field) is None
    ]
    if missing:
        yield DESTRUCTION_NOT_DESCRIBED.finding(
            ("destruction",),
            f"the destruction {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            f"not described; expected destruction.{missing[0]} (e.g. 'electronic files are "
            "deleted so they cannot be restored; paper is shredded') (PIPA Art 30(1)3-2, "
            "Art 21(2); Decree Art 16(1))",
        )


def record_without_article(policy: Policy) -> Iterator[Finding]:
    for index, record in enumerate(policy.statutory_retention):
        if record.statute is not None and record.article is None:
            yield RECORD_WITHOUT_ARTICLE.finding(
                ("statutory_retention", index, "statute"),
                f"record type {record.record_type!r} names the statute but not the article "
                "that requires keeping it; expected 'article' (e.g. 'Decree Art. 6(1)3') "
                "(PIPA Art 30(1)3-2: the basis of data kept under other laws)",
            )


def no_provision_statement(policy: Policy) -> Iterator[Finding]:
    if policy.provision is None:
        yield NO_PROVISION_STATEMENT.finding(
            section_path(policy, "provision", KR_PIPA),
            "no provision section: even a controller that gives data to no third party "
            "usually states when it may (consent, PIPA Arts 17 and 18); expected "
            "provision.statement (PIPA Art 30(1)3, where applicable)",
        )


def pipa_rights_missing(policy: Policy) -> Iterator[Finding]:
    missing = [r.value for r in PIPA_RIGHTS if r not in policy.rights.granted]
    if missing:
        yield PIPA_RIGHTS_MISSING.finding(
            ("rights", "granted"),
            f"rights granted lack {listing(missing)}; PIPA gives every subject access, "
            "correction, deletion and suspension of processing (restriction); expected them in "
            "rights.granted (PIPA Art 30(1)5, Arts 35-37)",
        )


def no_officer_name(policy: Policy) -> Iterator[Finding]:
    officer = policy.contacts.privacy_officer
    if officer.name or officer.department:
        return
    if any(person.department for person in policy.contacts.departments):
        return
    yield NO_OFFICER_NAME.finding(
        ("contacts", "privacy_officer"),
        "the privacy officer has no name and no department is named; expected "
        "privacy_officer.name, or a department with its name and contact (PIPA Art 30(1)6)",
    )


def _collects_automatically(policy: Policy) -> bool:
    if any(p.kind is CollectionKind.automatic for p in policy.collection_points.values()):
        return True
    return any(under_namespace(i.category, COOKIE_CATEGORIES) for i in policy.items.values())


def no_cookie_notice(policy: Policy) -> Iterator[Finding]:
    if policy.cookies is None and _collects_automatically(policy):
        yield NO_COOKIE_NOTICE.finding(
            section_path(policy, "cookies", KR_PIPA),
            "the policy collects data automatically (an automatic collection point or cookie "
            "items) but has no cookies section; expected cookies with the trackers, how to "
            "refuse them and what refusing means (PIPA Art 30(1)7)",
        )


def safety_measures_missing(policy: Policy) -> Iterator[Finding]:
    present = {measure.kind for measure in policy.safety_measures}
    missing = [kind.value for kind in SafetyKind if kind not in present]
    if missing:
        yield SAFETY_MEASURES_MISSING.finding(
            section_path(policy, "safety_measures", KR_PIPA),
            f"no {alternatives(missing)} safety measures are described; expected a safety_measures "
            "entry of each kind: managerial, technical, physical (PIPA Art 29, 30(1)8; Decree "
            "Art 31(1)3, Art 30(1))",
        )


def no_child_rule(policy: Policy) -> Iterator[Finding]:
    rules = child_rules(policy, KR_PIPA)
    if not rules:
        yield NO_CHILD_RULE.finding(
            section_path(policy, "children", KR_PIPA),
            "no children rule for kr-pipa: the notice must say how data of children under 14 "
            "is handled (refused, or only with a legal representative's consent); expected "
            "children.rules with jurisdiction kr-pipa and minimum_age 14 (PIPA Art 22-2(1))",
        )
    for index, rule in rules:
        if rule.minimum_age < CHILD_AGE:
            yield NO_CHILD_RULE.finding(
                ("children", "rules", index, "minimum_age"),
                f"the kr-pipa children rule sets minimum age {rule.minimum_age}: a child under "
                f"{CHILD_AGE} needs a legal representative's consent; expected minimum_age "
                f"{CHILD_AGE} (PIPA Art 22-2(1))",
            )


def no_change_channel(policy: Policy) -> Iterator[Finding]:
    if policy.changes.channel is None:
        yield NO_CHANGE_CHANNEL.finding(
            ("changes",),
            "the policy does not say where changes are announced; expected changes.channel "
            "(e.g. 'notice on the website') (PIPA Art 30(2); Decree Art 31(2): continuous "
            "posting on the website)",
        )


def short_change_notice(policy: Policy) -> Iterator[Finding]:
    changes = policy.changes
    if changes.notice_days < NOTICE_DAYS or changes.significant_notice_days < (
        SIGNIFICANT_NOTICE_DAYS
    ):
        yield SHORT_CHANGE_NOTICE.finding(
            ("changes",),
            f"changes are announced {changes.notice_days} days ahead "
            f"({changes.significant_notice_days} for significant ones); the Korean convention "
            f"is {NOTICE_DAYS} and {SIGNIFICANT_NOTICE_DAYS} days; expected at least those if the "
            "policy follows it (PIPA sets no period: KFTC e-commerce standard terms Art 3(4), "
            "a convention)",
        )


def access_log_under_two_years(policy: Policy) -> Iterator[Finding]:
    if policy.access_log is None:
        return  # L106
    period = policy.access_log.retention
    if not LONG_ACCESS_LOG.surely_longer_than(period):
        return
    flagged = sorted(
        key
        for key in policy.items
        if {"unique_identifier", "special_category"} & {s.value for s in policy.sensitivity_of(key)}
    )
    if flagged:
        yield ACCESS_LOG_UNDER_TWO_YEARS.finding(
            ("access_log", "retention"),
            f"access logs are kept for {period}, but the policy processes unique identifiers or "
            f"sensitive data ({listing(flagged)}); expected at least P2Y (PIPC Safety Standard "
            "Art 8(1))",
        )


def no_domestic_representative(policy: Policy) -> Iterator[Finding]:
    country = policy.controller.country
    if country == "KR" or policy.contacts.representatives:
        return
    where = (
        f"the controller is established in {country}, not Korea,"
        if country is not None
        else "the policy does not say where the controller is established (controller.country)"
    )
    yield NO_DOMESTIC_REPRESENTATIVE.finding(
        ("contacts",),
        f"{where} and names no representative; if it is outside Korea and above the Decree "
        "Art 32-3 thresholds (KRW 1 trillion revenue or 1 million Korean subjects), expected "
        "the domestic agent in contacts.representatives, with address, phone and e-mail "
        "(PIPA Art 31-2(1), (4))",
    )


def access_log_not_protected(policy: Policy) -> Iterator[Finding]:
    log = policy.access_log
    if log is None or log.tamper_evident:
        return  # no access_log at all: L106
    said = (
        "states that access logs are not protected"
        if log.tamper_evident is False
        else "keeps access logs but does not say they are protected"
    )
    yield ACCESS_LOG_NOT_PROTECTED.finding(
        ("access_log",),
        f"the policy {said} against forgery or alteration; the safety measures the notice "
        "describes include keeping access logs safe from it; expected access_log."
        "tamper_evident: true (Decree Art 30(1), 31(1)3; Safety Standard Art 8)",
    )


def no_agent_statement(policy: Policy) -> Iterator[Finding]:
    if policy.rights.agents_allowed is None:
        yield NO_AGENT_STATEMENT.finding(
            ("rights",),
            "the policy does not say whether rights may be exercised through an agent (a legal "
            "representative or a person the subject authorises), which PIPA allows; expected "
            "rights.agents_allowed, and the agent_document an agent must submit (PIPA Art "
            "30(1)5, 38(1); Decree Art 45)",
        )


CHECKS: tuple[Check, ...] = (
    purpose_not_described,
    destruction_not_described,
    record_without_article,
    no_provision_statement,
    pipa_rights_missing,
    no_officer_name,
    no_cookie_notice,
    safety_measures_missing,
    no_child_rule,
    no_change_channel,
    short_change_notice,
    access_log_under_two_years,
    no_domestic_representative,
    access_log_not_protected,
    no_agent_statement,
    *pipa_transfer.CHECKS,
)
