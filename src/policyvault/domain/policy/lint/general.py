"""Rules for every policy, whatever its laws: the notice's texts, consents, rights, remedies,
contacts and recipients (retention and destruction are in ``retention``).

Each finding names the sources of the laws the policy declares (``cite``); a rule runs for
every policy whose laws it speaks for, because a vault cannot enforce a promise the file
does not make.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from policyvault.domain.policy.data import Basis, ConsentCategory, Sensitivity
from policyvault.domain.policy.findings import Finding, Path, Severity
from policyvault.domain.policy.lint.rule import (
    EU_GDPR,
    KR_PIPA,
    US_CCPA,
    US_COPPA,
    Check,
    Rule,
    cite,
    declares,
    listing,
    section_path,
)
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right
from policyvault.domain.policy.parties import RequestChannelKind
from policyvault.domain.policy.text import LocalizedText

WARN, INFO = Severity.warning, Severity.info
MISSING_TRANSLATION = Rule("L110", WARN, "texts lacking a declared language")
NO_SEPARATE_CONSENT = Rule("L111", WARN, "sensitive data collected without its separate consent")
NO_WITHDRAWAL_RIGHT = Rule("L112", WARN, "consent-based purposes but no right to withdraw")
NO_REMEDY_BODY = Rule("L113", WARN, "no remedy body or supervisory authority")
ITEM_NEVER_COLLECTED = Rule("L114", WARN, "an item no collection point collects")
NO_RECIPIENTS = Rule("L115", INFO, "no processors or third parties declared")
CHANNEL_WITHOUT_ADDRESS = Rule("L116", WARN, "a request channel with no address to use")
LAW_NOT_NAMED = Rule("L117", WARN, "a legal-obligation basis that names no law")
OFFICER_UNREACHABLE = Rule("L118", WARN, "no phone or e-mail for the privacy officer")
RECIPIENT_WITHOUT_COUNTRY = Rule("L119", WARN, "a processor or third party with no country")

RULES = (
    MISSING_TRANSLATION,
    NO_SEPARATE_CONSENT,
    NO_WITHDRAWAL_RIGHT,
    NO_REMEDY_BODY,
    ITEM_NEVER_COLLECTED,
    NO_RECIPIENTS,
    CHANNEL_WITHOUT_ADDRESS,
    LAW_NOT_NAMED,
    OFFICER_UNREACHABLE,
    RECIPIENT_WITHOUT_COUNTRY,
)


def _texts(node: object, path: Path) -> Iterator[tuple[Path, LocalizedText]]:
    """Every localized text in the policy with the path of its value in the file."""
    if isinstance(node, LocalizedText):
        yield path, node
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            yield from _texts(getattr(node, name), (*path, field.alias or name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, (*path, str(key)))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _texts(value, (*path, index))


def missing_translation(policy: Policy) -> Iterator[Finding]:
    sources = {KR_PIPA: "PIPA Art 30-2(1)2", EU_GDPR: "GDPR Art 12(1)"}
    texts = list(_texts(policy, ()))
    for lang in policy.languages:
        if lang == "en":
            continue  # a plain string is English, and English is the fallback
        by_section: dict[str | int, list[Path]] = {}
        totals: dict[str | int, int] = {}
        for path, text in texts:
            totals[path[0]] = totals.get(path[0], 0) + 1
            if not text.has(lang):
                by_section.setdefault(path[0], []).append(path)
        for section, paths in by_section.items():
            first = ".".join(str(p) for p in paths[0])
            yield MISSING_TRANSLATION.finding(
                paths[0],
                f"{len(paths)} of {totals[section]} texts under {section!r} have no {lang!r} "
                f"version (first: {first}), so the {lang} notice falls back to English there; "
                f"expected a {lang!r} text beside each 'en' one, since the policy declares "
                f"{lang!r} {cite(policy, sources)}",
            )


_SEPARATE = {
    Sensitivity.unique_identifier: (
        ConsentCategory.unique_identifier,
        {KR_PIPA: "PIPA Art 24(1)"},
    ),
    Sensitivity.special_category: (
        ConsentCategory.sensitive,
        {KR_PIPA: "PIPA Art 23(1)", EU_GDPR: "GDPR Art 9(2)(a)"},
    ),
}


def sensitive_without_separate_consent(policy: Policy) -> Iterator[Finding]:
    for name, point in policy.collection_points.items():
        asked = {consent.category for consent in point.consents}
        for field in ("required", "optional"):
            for index, item in enumerate(getattr(point, field)):
                if item not in policy.items:
                    continue
                flags = policy.sensitivity_of(item)
                uses = [
                    policy.purposes[key]
                    for key in point.purposes
                    if key in policy.purposes and item in policy.purposes[key].items
                ]
                by_law = bool(uses) and all(
                    any(b.basis is Basis.legal_obligation for b in p.bases) for p in uses
                )
                for flag, (category, sources) in _SEPARATE.items():
                    if flag not in flags or category in asked or by_law:
                        continue
                    if not declares(policy, *sources):
                        continue
                    yield NO_SEPARATE_CONSENT.finding(
                        ("collection_points", name, field, index),
                        f"collection point {name!r} collects {item!r} ({flag.value}) but asks "
                        f"no separate {category.value!r} consent and no purpose there rests on "
                        f"a legal obligation; expected a consents entry of category "
                        f"{category.value} {cite(policy, sources)}",
                    )


def no_withdrawal_right(policy: Policy) -> Iterator[Finding]:
    consent_based = [key for key, p in policy.purposes.items() if p.consent_based]
    if not consent_based or Right.withdraw_consent in policy.rights.granted:
        return
    sources = {
        KR_PIPA: "PIPA Art 37(1)",
        EU_GDPR: "GDPR Art 7(3), 13(2)(c)",
        US_COPPA: "16 CFR §312.6(a)(2)",
    }
    if declares(policy, *sources):
        yield NO_WITHDRAWAL_RIGHT.finding(
            ("rights", "granted"),
            f"purposes rest on consent ({listing(consent_based)}) but 'withdraw_consent' is not "
            f"among the rights granted; expected it in rights.granted {cite(policy, sources)}",
        )


def no_remedy_body(policy: Policy) -> Iterator[Finding]:
    sources = {
        KR_PIPA: "PIPA Art 4(5); PIPC privacy-policy guideline under Art 30(4)",
        EU_GDPR: "GDPR Art 13(2)(d)",
    }
    if not policy.remedy_bodies and declares(policy, *sources):
        yield NO_REMEDY_BODY.finding(
            section_path(policy, "remedy_bodies", *sources),
            "no remedy bodies: the notice must tell subjects where to complain besides the "
            "company (a supervisory authority, a dispute mediation committee, ...); expected a "
            f"remedy_bodies section {cite(policy, sources)}",
        )


def item_never_collected(policy: Policy) -> Iterator[Finding]:
    collected = {item for point in policy.collection_points.values() for item in point.items}
    sources = {
        KR_PIPA: "PIPA Art 15(2)2; Decree Art 31(1)1",
        EU_GDPR: "GDPR Art 13(1)(c), 14(1)(d)",
        US_CCPA: "CCPA §1798.100(a)(1)",
    }
    for key, item in policy.items.items():
        if key not in collected:
            yield ITEM_NEVER_COLLECTED.finding(
                ("items", key),
                f"item {key!r} ({item.label}) is declared but no collection point collects it: "
                "the notice cannot say when and how it is obtained, and the vault refuses to "
                f"store it; expected it under a collection point's required or optional items "
                f"{cite(policy, sources)}",
            )


def no_recipients(policy: Policy) -> Iterator[Finding]:
    third_parties = policy.provision.recipients if policy.provision else []
    if policy.processors or third_parties:
        return
    sources = {
        KR_PIPA: "PIPA Art 30(1)4",
        EU_GDPR: "GDPR Art 13(1)(e)",
        US_CCPA: "CCPA §1798.130(a)(5)(C)",
    }
    yield NO_RECIPIENTS.finding(
        section_path(policy, "processors", *sources),
        "no processors or third parties: the notice will name no one else who handles the "
        "data; if hosting, e-mail, support or analytics vendors do, expected them under "
        "processors "
        f"{cite(policy, sources)}",
    )


def _fallback_address(policy: Policy, kind: RequestChannelKind) -> bool:
    people = [policy.contacts.privacy_officer, *policy.contacts.departments]
    if kind is RequestChannelKind.letter:
        return policy.controller.address is not None
    if kind is RequestChannelKind.web:
        return policy.controller.website is not None
    if kind is RequestChannelKind.email:
        return any(person.email for person in people)
    if kind is RequestChannelKind.phone:
        return any(person.phone for person in people)
    return kind is RequestChannelKind.in_product


def channel_without_address(policy: Policy) -> Iterator[Finding]:
    sources = {
        KR_PIPA: "PIPA Art 38(4); Decree Art 41(2)",
        EU_GDPR: "GDPR Art 12(2)",
        US_CCPA: "CCPA §1798.130(a)(1)",
    }
    for index, channel in enumerate(policy.rights.channels):
        if channel.address or _fallback_address(policy, channel.kind):
            continue
        yield CHANNEL_WITHOUT_ADDRESS.finding(
            ("rights", "channels", index),
            f"requests may be made by {channel.kind.value}, but the policy gives no "
            f"{channel.kind.value} address to use (none on the channel, nor on the controller "
            f"or contacts); expected 'address' on the channel {cite(policy, sources)}",
        )


def law_not_named(policy: Policy) -> Iterator[Finding]:
    sources = {KR_PIPA: "PIPA Art 15(1)2, 22(3)", EU_GDPR: "GDPR Art 6(3), 13(1)(c)"}
    for key, purpose in policy.purposes.items():
        for index, basis in enumerate(purpose.bases):
            if basis.basis is Basis.legal_obligation and basis.law is None:
                yield LAW_NOT_NAMED.finding(
                    ("purposes", key, "bases", index),
                    f"purpose {key!r} rests on a legal obligation but names no law; expected "
                    f"'law' with the statute and article {cite(policy, sources)}",
                )


def officer_unreachable(policy: Policy) -> Iterator[Finding]:
    sources = {KR_PIPA: "PIPA Art 30(1)6", EU_GDPR: "GDPR Art 13(1)(a), (b)"}
    contacts = policy.contacts
    if contacts.privacy_officer.reachable or not declares(policy, *sources):
        return
    if any(person.reachable for person in contacts.departments):
        return  # the department in charge answers for the officer
    yield OFFICER_UNREACHABLE.finding(
        ("contacts", "privacy_officer"),
        "the privacy officer has no phone number or e-mail address, and no department in "
        "charge has one either: the notice cannot say how to reach them; expected "
        f"privacy_officer.phone or .email, or a department with one {cite(policy, sources)}",
    )


def recipient_without_country(policy: Policy) -> Iterator[Finding]:
    sources = {KR_PIPA: "PIPA Art 28-8(2)2; Decree Art 31(1)2", EU_GDPR: "GDPR Art 13(1)(f)"}
    if not declares(policy, *sources):
        return
    recipients: list[tuple[Path, str, str, list[str]]] = [
        (("processors", index), "processor", p.id, p.countries)
        for index, p in enumerate(policy.processors)
    ]
    if policy.provision is not None:
        recipients += [
            (("provision", "recipients", index), "third party", t.id, t.countries)
            for index, t in enumerate(policy.provision.recipients)
        ]
    for path, role, rid, countries in recipients:
        if not countries:
            yield RECIPIENT_WITHOUT_COUNTRY.finding(
                path,
                f"{role} {rid!r} names no country: the notice can say neither that the data "
                "stays in the country nor that it goes abroad, and an overseas transfer must "
                "name the country it goes to; expected 'countries' (ISO codes, e.g. [KR]) "
                f"{cite(policy, sources)}",
            )


CHECKS: tuple[Check, ...] = (
    missing_translation,
    sensitive_without_separate_consent,
    no_withdrawal_right,
    no_remedy_body,
    item_never_collected,
    no_recipients,
    channel_without_address,
    law_not_named,
    officer_unreachable,
    recipient_without_country,
)
