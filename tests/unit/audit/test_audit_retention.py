"""How long the audit log is kept: PIPC Safety Standard Art 8(1) and Art 5(3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from policyvault.domain.audit import Action, AuditIndex, access_log_floor, may_prune, prune_cutoffs
from policyvault.domain.audit.retention import years_before
from policyvault.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("subjects", "sensitive", "carrier", "policy", "years"),
    [
        (0, False, False, 0, 1),
        (49_999, False, False, 0, 1),
        (50_000, False, False, 0, 2),
        (10, True, False, 0, 2),
        (10, False, True, 0, 2),
        (10, False, False, 3, 3),  # the policy promises more
        (60_000, True, False, 1, 2),  # a shorter promise never lowers the floor
    ],
)
def test_the_floor(subjects: int, sensitive: bool, carrier: bool, policy: int, years: int) -> None:
    floor = access_log_floor(
        subject_count=subjects,
        holds_unique_or_sensitive=sensitive,
        telecom_carrier=carrier,
        policy_years=policy,
    )
    assert floor.years == years
    assert floor.reason


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        access_log_floor(subject_count=-1, holds_unique_or_sensitive=False)


def test_years_count_back_on_the_calendar() -> None:
    assert years_before(datetime(2028, 2, 29, 12, tzinfo=UTC), 1) == datetime(
        2027, 2, 28, 12, tzinfo=UTC
    )
    assert years_before(datetime(2027, 6, 1, tzinfo=UTC), 2) == datetime(2025, 6, 1, tzinfo=UTC)


def _index(action: str, at: datetime) -> AuditIndex:
    return AuditIndex(at, "staff_1", action, "subj_1", True, None)


def test_an_entry_goes_only_when_strictly_older_than_its_floor() -> None:
    now = datetime(2028, 6, 1, tzinfo=UTC)
    cutoffs = prune_cutoffs(access_log_floor(subject_count=1, holds_unique_or_sensitive=False), now)
    assert may_prune(_index("view", datetime(2027, 5, 31, tzinfo=UTC)), cutoffs)
    assert not may_prune(_index("view", datetime(2027, 6, 1, tzinfo=UTC)), cutoffs)


def test_access_right_entries_are_kept_three_years() -> None:
    now = datetime(2028, 6, 1, tzinfo=UTC)
    cutoffs = prune_cutoffs(access_log_floor(subject_count=1, holds_unique_or_sensitive=True), now)
    two_and_a_half_years_ago = datetime(2025, 12, 1, tzinfo=UTC)
    assert may_prune(_index("download", two_and_a_half_years_ago), cutoffs)
    for action in (
        Action.access_right_granted,
        Action.access_right_changed,
        Action.access_right_revoked,
    ):
        assert not may_prune(_index(action, two_and_a_half_years_ago), cutoffs)
        assert may_prune(_index(action, datetime(2025, 5, 31, tzinfo=UTC)), cutoffs)
