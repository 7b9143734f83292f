"""The vocabulary policies speak: data categories and data uses as dotted keys.

The known keys come from fideslang's default taxonomy, handed in by the service layer as a
``Taxonomy`` value, so the rules here stay pure and testable with any vocabulary.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from policyvault.domain.policy.data import Sensitivity


@dataclass(frozen=True)
class Taxonomy:
    data_categories: frozenset[str]
    data_uses: frozenset[str]

    def nearest_category(self, key: str) -> str | None:
        return _nearest(key, self.data_categories)

    def nearest_use(self, key: str) -> str | None:
        return _nearest(key, self.data_uses)


def _nearest(key: str, known: frozenset[str]) -> str | None:
    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    return matches[0] if matches else None


def under_namespace(key: str, namespaces: list[str]) -> bool:
    return any(key == ns or key.startswith(ns + ".") for ns in namespaces)


# Sensitivity that a category implies whatever the item says. PIPA Art 24 unique identifiers
# and Art 23 sensitive data, GDPR Art 9 special categories, card and account numbers.
_IMPLIED: tuple[tuple[str, Sensitivity], ...] = (
    ("user.authorization.password", Sensitivity.password),
    ("user.authorization.credentials", Sensitivity.password),
    ("user.government_id", Sensitivity.unique_identifier),
    ("user.financial", Sensitivity.financial),
    ("user.payment", Sensitivity.financial),
    ("user.health_and_medical", Sensitivity.special_category),
    ("user.biometric", Sensitivity.special_category),
    ("user.authorization.biometric", Sensitivity.special_category),
    ("user.criminal_history", Sensitivity.special_category),
    ("user.demographic.race_ethnicity", Sensitivity.special_category),
    ("user.demographic.religious_belief", Sensitivity.special_category),
    ("user.demographic.sexual_orientation", Sensitivity.special_category),
    ("user.demographic.political_opinion", Sensitivity.special_category),
    ("user.childrens", Sensitivity.child_data),
)


def implied_sensitivity(category: str) -> set[Sensitivity]:
    return {flag for prefix, flag in _IMPLIED if under_namespace(category, [prefix])}
