"""The seed scenarios: each module names its seed file (``SEED = "utracs"``, a key of
``tests.conftest.SEED_FILES``) and gets the policy read from it (``policy``, or
``clean_policy`` read with every check), its rule on children, and ``fmt``: a test that takes
it runs for each format a notice is rendered in."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import UnderAge
from policyvault.services.policy_files import load_policy, read_policy_file
from tests.conftest import SEED_FILES


@pytest.fixture(scope="module")
def seed_path(request: pytest.FixtureRequest) -> Path:
    return SEED_FILES[request.module.SEED]


@pytest.fixture(scope="module")
def policy(seed_path: Path) -> Policy:
    return load_policy(seed_path)


@pytest.fixture
def clean_policy(seed_path: Path) -> Policy:
    """The seed read with every check of a policy file: it checks clean."""
    result = read_policy_file(seed_path)
    assert result.errors == []
    assert result.policy is not None
    return result.policy


@pytest.fixture
def children_rule(policy: Policy) -> tuple[str, int, UnderAge]:
    """The seed's one rule on children: its jurisdiction, the minimum age, and what happens
    below it."""
    assert policy.children is not None
    [rule] = policy.children.rules
    return rule.jurisdiction, rule.minimum_age, rule.under_age


@pytest.fixture(params=["html", "md"])
def fmt(request: pytest.FixtureRequest) -> str:
    """Each format a notice is rendered in."""
    format_: str = request.param
    return format_
