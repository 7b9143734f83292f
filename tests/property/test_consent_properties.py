"""The consent ledger: whatever the order events are stored in, the latest event at or
before now decides; a withdrawal at the same instant as a consent wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.consent import ConsentAction, ConsentEvent, consent_state
from policyvault.domain.policy.data import ConsentCategory

T0 = datetime(2026, 1, 1, tzinfo=UTC)

events = st.lists(
    st.tuples(st.integers(0, 100), st.sampled_from(list(ConsentAction))), max_size=12
).map(
    lambda pairs: [
        ConsentEvent(
            subject_id="s",
            category=ConsentCategory.marketing,
            purposes=("marketing.newsletter",),
            action=action,
            at=T0 + timedelta(minutes=minute),
            policy_version="1",
            notice_hash="h",
            channel="web",
        )
        for minute, action in pairs
    ]
)


@settings(max_examples=200, deadline=None)
@given(events, st.integers(0, 110), st.randoms())
def test_latest_event_wins_whatever_the_storage_order(
    history: list[ConsentEvent], minute: int, random: object
) -> None:
    now = T0 + timedelta(minutes=minute)
    shuffled = list(history)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    state = consent_state(shuffled, ConsentCategory.marketing, "marketing.newsletter", now)
    past = [e for e in history if e.at <= now]
    if not past:
        assert not state.holds and state.since is None
        return
    last_at = max(e.at for e in past)
    at_last = {e.action for e in past if e.at == last_at}
    expected = at_last == {ConsentAction.given}
    assert state.holds is expected
    assert state.since == last_at


@settings(max_examples=100, deadline=None)
@given(events)
def test_other_categories_and_purposes_are_never_affected(history: list[ConsentEvent]) -> None:
    now = T0 + timedelta(days=1)
    assert not consent_state(
        history, ConsentCategory.third_party_provision, "marketing.newsletter", now
    ).holds
    assert not consent_state(history, ConsentCategory.marketing, "other.purpose", now).holds
