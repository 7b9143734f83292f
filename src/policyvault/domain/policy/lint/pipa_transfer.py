"""PIPA (kr-pipa) Art 28-8: a processor outside the controller's country is an overseas
transfer, and the policy must disclose it (Art 28-8(2); Decree Art 31(1)2):

1. the items transferred; 2. the countries, the time and the method of transfer; 3. the
recipient's name and contact; 4. the recipient's purpose and retention period; 5. how to
refuse the transfer, and what refusing means. It must also state its basis (Art 28-8(1)):
separate consent, a law or treaty, a contract with the items above disclosed, a certified
recipient, or an adequate country.

Items, name and task are required by the schema; retention is checked for every processor
(L104, citing Art 28-8(2)4 when the processor is abroad). A processor whose countries are not
stated, or a controller whose own country is not, is never taken to be abroad: L119 flags the
missing country instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.data import Basis, ConsentCategory
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint.rule import Check, Rule, abroad, alternatives
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.parties import Processor

WARN = Severity.warning
TRANSFER_NOT_DISCLOSED = Rule("L135", WARN, "an overseas transfer missing Art 28-8(2) details")
TRANSFER_WITHOUT_BASIS = Rule("L136", WARN, "an overseas transfer that states no basis")
TRANSFER_BASIS_NOT_IN_PIPA = Rule("L137", WARN, "an overseas transfer basis PIPA does not know")
TRANSFER_CONSENT_NOT_SEPARATE = Rule("L138", WARN, "a consent-based transfer, consent not separate")
TRANSFER_CONSENT_NOT_ASKED = Rule("L139", WARN, "a transfer consent no collection point asks")

RULES = (
    TRANSFER_NOT_DISCLOSED,
    TRANSFER_WITHOUT_BASIS,
    TRANSFER_BASIS_NOT_IN_PIPA,
    TRANSFER_CONSENT_NOT_SEPARATE,
    TRANSFER_CONSENT_NOT_ASKED,
)

# Art 28-8(1): 1 consent, 2 a law or treaty, 3 a contract (with the items disclosed).
# Certification (4) and adequacy (5) have no Basis value yet.
PIPA_TRANSFER_BASES = {Basis.consent, Basis.legal_obligation, Basis.contract}
_DETAILS = (
    ("timing", "when it is transferred", "28-8(2)2"),
    ("method", "how it is transferred", "28-8(2)2"),
    ("contact", "the recipient's contact", "28-8(2)3"),
    ("refusal", "how to refuse and what follows", "28-8(2)5"),
)


def overseas_processors(policy: Policy) -> Iterator[tuple[int, Processor, list[str]]]:
    home = policy.controller.country
    for index, processor in enumerate(policy.processors):
        foreign = [c for c in processor.countries if abroad(c, home)]
        if foreign:
            yield index, processor, foreign


def transfer_not_disclosed(policy: Policy) -> Iterator[Finding]:
    for index, processor, foreign in overseas_processors(policy):
        missing = [(f, what, art) for f, what, art in _DETAILS if getattr(processor, f) is None]
        if missing:
            fields = ", ".join(f for f, _, _ in missing)
            whats = alternatives([what for _, what, _ in missing])
            articles = ", ".join(sorted({art for _, _, art in missing}))
            yield TRANSFER_NOT_DISCLOSED.finding(
                ("processors", index),
                f"processor {processor.id!r} receives data abroad ({', '.join(foreign)}) but the "
                f"policy does not say {whats}; expected {fields} (PIPA Art {articles}; Decree "
                "Art 31(1)2)",
            )


def transfer_without_basis(policy: Policy) -> Iterator[Finding]:
    for index, processor, foreign in overseas_processors(policy):
        if processor.transfer_basis is None:
            yield TRANSFER_WITHOUT_BASIS.finding(
                ("processors", index),
                f"processor {processor.id!r} receives data abroad ({', '.join(foreign)}) but "
                "states no transfer_basis; expected consent (a separate consent), contract "
                "(the transfer is needed for the contract and disclosed here) or "
                "legal_obligation (a law or treaty) (PIPA Art 28-8(1); Decree Art 31(1)2)",
            )


def transfer_basis_not_in_pipa(policy: Policy) -> Iterator[Finding]:
    for index, processor, _ in overseas_processors(policy):
        basis = processor.transfer_basis
        if basis is not None and basis not in PIPA_TRANSFER_BASES:
            yield TRANSFER_BASIS_NOT_IN_PIPA.finding(
                ("processors", index, "transfer_basis"),
                f"processor {processor.id!r}: {basis.value} is not a ground for an overseas "
                "transfer under PIPA; expected consent, contract or legal_obligation "
                "(PIPA Art 28-8(1))",
            )


def transfer_consent_not_separate(policy: Policy) -> Iterator[Finding]:
    for index, processor, _ in overseas_processors(policy):
        category = processor.consent_category
        if processor.transfer_basis is Basis.consent and (
            category is not ConsentCategory.overseas_transfer
        ):
            named = f"names {category.value!r}" if category else "names no consent_category"
            yield TRANSFER_CONSENT_NOT_SEPARATE.finding(
                ("processors", index, "transfer_basis"),
                f"processor {processor.id!r}: the transfer rests on consent but {named}; an "
                "overseas transfer needs its own consent; expected consent_category: "
                "overseas_transfer (PIPA Art 28-8(1)1)",
            )


def transfer_consent_not_asked(policy: Policy) -> Iterator[Finding]:
    for index, processor, _ in overseas_processors(policy):
        category = processor.consent_category
        if processor.transfer_basis is not Basis.consent or category is None:
            continue
        asked = any(
            consent.category is category and set(consent.purposes) & set(processor.purposes)
            for point in policy.collection_points.values()
            for consent in point.consents
        )
        if not asked:
            yield TRANSFER_CONSENT_NOT_ASKED.finding(
                ("processors", index, "consent_category"),
                f"processor {processor.id!r}: the transfer rests on {category.value} consent, "
                f"but no collection point asks it for {', '.join(processor.purposes)}; expected "
                f"a consents entry of category {category.value} at the points serving those "
                "purposes (PIPA Art 28-8(1)1)",
            )


CHECKS: tuple[Check, ...] = (
    transfer_not_disclosed,
    transfer_without_basis,
    transfer_basis_not_in_pipa,
    transfer_consent_not_separate,
    transfer_consent_not_asked,
)
