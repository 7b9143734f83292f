"""GDPR (eu-gdpr) Art 13: what the data subject is told when data is collected.

13(1): (a) the controller's identity and contact details, and its representative; (b) the
DPO's contact; (c) purposes and legal basis; (d) the legitimate interest pursued; (e) the
recipients; (f) transfers to third countries and their safeguards. 13(2): (a) the retention
period or its criteria; (b) the rights of access, rectification, erasure, restriction,
objection and portability; (c) withdrawal of consent; (d) the right to complain to a
supervisory authority.

The schema already requires the legal basis of every purpose and the interest of every
legitimate-interest basis. Retention (L101-L103, in ``retention``), withdrawal (L112),
complaint (L113), recipients (L115) and the law behind a legal obligation (L117, all in
``general``) are checked for every policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint.rule import EU_EEA, EU_GDPR, Check, Rule, listing
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right

JURISDICTION = EU_GDPR

WARN, INFO = Severity.warning, Severity.info
CONTROLLER_WITHOUT_ADDRESS = Rule("L140", WARN, "the controller has no postal address")
NO_EU_REPRESENTATIVE = Rule("L141", INFO, "a controller outside the EU with no representative")
TRANSFER_WITHOUT_SAFEGUARD = Rule("L142", WARN, "a third-country transfer with no stated basis")
GDPR_RIGHTS_MISSING = Rule("L143", WARN, "GDPR rights missing (incl. objection, portability)")

RULES = (
    CONTROLLER_WITHOUT_ADDRESS,
    NO_EU_REPRESENTATIVE,
    TRANSFER_WITHOUT_SAFEGUARD,
    GDPR_RIGHTS_MISSING,
)

GDPR_RIGHTS = (
    Right.access,
    Right.correction,
    Right.deletion,
    Right.restriction,
    Right.objection,
    Right.portability,
)


def controller_without_address(policy: Policy) -> Iterator[Finding]:
    if policy.controller.address is None:
        yield CONTROLLER_WITHOUT_ADDRESS.finding(
            ("controller",),
            "the controller has no address: the notice must identify the controller and how "
            "to reach it; expected controller.address (GDPR Art 13(1)(a))",
        )


def no_eu_representative(policy: Policy) -> Iterator[Finding]:
    country = policy.controller.country
    if country in EU_EEA or policy.contacts.representatives:
        return
    where = (
        f"the controller is established in {country}, outside the EU/EEA,"
        if country is not None
        else "the policy does not say where the controller is established (controller.country)"
    )
    yield NO_EU_REPRESENTATIVE.finding(
        ("contacts",),
        f"{where} and names no representative; where GDPR applies through Art 3(2), the "
        "notice must name the Art 27 representative in the Union; expected "
        "contacts.representatives (GDPR Art 13(1)(a), 27)",
    )


def transfer_without_safeguard(policy: Policy) -> Iterator[Finding]:
    home = policy.controller.country
    if home is None:
        return  # nothing is known to leave the controller's country; L119 asks for countries
    for index, processor in enumerate(policy.processors):
        third = [c for c in processor.countries if c not in EU_EEA and c != home]
        if third and processor.transfer_basis is None:
            yield TRANSFER_WITHOUT_SAFEGUARD.finding(
                ("processors", index),
                f"processor {processor.id!r} receives data in {', '.join(third)}, outside the "
                "EU/EEA, but the policy states no basis for the transfer; expected "
                "transfer_basis, and the adequacy decision or safeguard (standard contractual "
                "clauses, ...) described in 'method' (GDPR Art 13(1)(f), 44-49)",
            )


def gdpr_rights_missing(policy: Policy) -> Iterator[Finding]:
    missing = [r.value for r in GDPR_RIGHTS if r not in policy.rights.granted]
    if missing:
        yield GDPR_RIGHTS_MISSING.finding(
            ("rights", "granted"),
            f"rights granted lack {listing(missing)}; the notice must state the rights of "
            "access, rectification, erasure, restriction, objection and portability; expected "
            "them in rights.granted (GDPR Art 13(2)(b), 15-21)",
        )


CHECKS: tuple[Check, ...] = (
    controller_without_address,
    no_eu_representative,
    transfer_without_safeguard,
    gdpr_rights_missing,
)
