"""The fideslang default taxonomy (CC BY 4.0, Ethyca; see NOTICE) as a domain ``Taxonomy``."""

from __future__ import annotations

from functools import lru_cache

from policyvault.domain.policy.taxonomy import Taxonomy


@lru_cache(maxsize=1)
def fideslang_taxonomy() -> Taxonomy:
    # Imported here, not at module import: fideslang builds its whole taxonomy on import.
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return Taxonomy(
        data_categories=frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        data_uses=frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
    )
