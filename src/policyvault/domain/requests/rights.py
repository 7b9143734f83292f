"""Which rights a request may exercise: those the policy grants, and those the law gives the
subject whatever the notice says (a right the statute grants cannot be waived by leaving it
out of a privacy policy).

The table names the statute for each; a jurisdiction missing from it adds nothing beyond the
policy's own promise.
"""

from __future__ import annotations

from collections.abc import Iterable

from policyvault.domain.requests.model import RequestKind

_K = RequestKind

RIGHTS_BY_LAW: dict[str, tuple[frozenset[RequestKind], str]] = {
    "kr-pipa": (
        frozenset(
            {
                _K.access,
                _K.correction,
                _K.deletion,
                _K.restriction,
                _K.withdraw_consent,
                _K.automated_decision,
            }
        ),
        "PIPA Arts 35, 36, 37, 37-2",
    ),
    "eu-gdpr": (
        frozenset(
            {
                _K.access,
                _K.correction,
                _K.deletion,
                _K.restriction,
                _K.objection,
                _K.portability,
                _K.withdraw_consent,
                _K.automated_decision,
            }
        ),
        "GDPR Arts 7(3), 15-22",
    ),
    "us-ccpa": (
        frozenset({_K.access, _K.deletion, _K.correction, _K.opt_out_sale, _K.limit_sensitive}),
        "Cal. Civ. Code §§1798.100-1798.121",
    ),
}


def available_rights(
    granted: Iterable[str], jurisdictions: Iterable[str]
) -> frozenset[RequestKind]:
    """The policy's own promises plus every right a jurisdiction of the subject gives."""
    kinds = {RequestKind(g) for g in granted}
    for jurisdiction in jurisdictions:
        kinds |= RIGHTS_BY_LAW.get(jurisdiction, (frozenset(), ""))[0]
    return frozenset(kinds)
