"""Whatever a subject would care about is never classified as an ordinary change; wording and
order never make a change significant; and no version takes effect before its notice."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.policy.diff import ChangeKind, diff_policies
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.services.policy_files import load_policy

MEGAZONE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "megazone-cloudplex.yaml"
SEED = load_policy(MEGAZONE)
FAST = settings(max_examples=60, deadline=None)

Data = dict[str, Any]


@dataclass(frozen=True)
class Edit:
    """A change to the seed's dumped form, and the kinds of change it must be reported as."""

    apply: Callable[[Data], None]
    kinds: frozenset[ChangeKind]
    label: str

    def __repr__(self) -> str:
        return self.label


def edited(policy: Policy, *edits: Edit) -> Policy:
    data = policy.model_dump(by_alias=True)
    for edit in edits:
        edit.apply(data)
    return Policy.model_validate(data)


keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
countries = st.sampled_from(["US", "JP", "DE", "FR", "SG", "CA", "IN", "BR", "EU", "KR"])
words = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=30)
positive_durations = st.builds(
    Duration, months=st.integers(0, 120), days=st.integers(0, 400)
).filter(lambda d: d != Duration())


# -- things a subject would care about -----------------------------------------------------------


@st.composite
def new_item_and_purpose(draw: st.DrawFn) -> Edit:
    item = draw(keys.filter(lambda k: k not in SEED.items))
    purpose = "custom." + draw(keys)
    shared = draw(st.lists(st.sampled_from(sorted(SEED.items)), max_size=3, unique=True))
    category = draw(st.sampled_from(["user.contact.email", "user.name", "user.demographic.age"]))
    basis = draw(st.sampled_from(["consent", "contract"]))

    def apply(data: Data) -> None:
        data["items"][item] = {"label": item, "category": category}
        data["purposes"][purpose] = {
            "label": purpose,
            "bases": [{"basis": basis}],
            "items": [item, *shared],
        }

    return Edit(apply, frozenset({ChangeKind.item_added, ChangeKind.purpose_added}), f"new {item}")


@st.composite
def new_processor(draw: st.DrawFn) -> Edit:
    pid = draw(keys.filter(lambda k: k not in {p.id for p in SEED.processors}))
    purpose = draw(st.sampled_from(sorted(SEED.purposes)))
    items = draw(st.lists(st.sampled_from(SEED.purposes[purpose].items), min_size=1, unique=True))
    where = draw(st.lists(countries, min_size=1, max_size=3, unique=True))

    def apply(data: Data) -> None:
        data["processors"].append(
            {
                "id": pid,
                "name": f"{pid} Ltd.",
                "task": "Processing",
                "purposes": [purpose],
                "items": items,
                "countries": where,
            }
        )

    return Edit(apply, frozenset({ChangeKind.recipient_added}), f"processor {pid} in {where}")


@st.composite
def new_country(draw: st.DrawFn) -> Edit:
    index = draw(st.integers(0, len(SEED.processors) - 1))
    processor = SEED.processors[index]
    country = draw(countries.filter(lambda c: c not in processor.countries))

    def apply(data: Data) -> None:
        data["processors"][index]["countries"].append(country)

    return Edit(apply, frozenset({ChangeKind.country_added}), f"{processor.id} to {country}")


PERIODS: list[tuple[str, int, Duration]] = [
    *(("retention", i, r.period) for i, r in enumerate(SEED.retention) if r.period),
    *(("statutory_retention", i, r.period) for i, r in enumerate(SEED.statutory_retention)),
]


@st.composite
def longer_retention(draw: st.DrawFn) -> Edit:
    field, position, period = draw(st.sampled_from(PERIODS))
    extra = draw(positive_durations)
    longer = Duration(period.months + extra.months, period.days + extra.days)

    def apply(data: Data) -> None:
        data[field][position]["period"] = longer.iso()

    kind = (
        ChangeKind.retention_longer
        if field == "retention"
        else ChangeKind.statutory_retention_longer
    )
    return Edit(apply, frozenset({kind}), f"{field}[{position}] {period} -> {longer}")


BASES: list[list[Data]] = [
    [{"basis": "contract"}],
    [{"basis": "legal_obligation"}],
    [{"basis": "consent", "consent_category": "marketing"}],
    [{"basis": "consent"}, {"basis": "contract"}],
    [{"basis": "legitimate_interest", "interest": "Fraud prevention"}],
]


@st.composite
def changed_basis(draw: st.DrawFn) -> Edit:
    purpose = draw(st.sampled_from(sorted(SEED.purposes)))
    bases = draw(st.sampled_from(BASES))  # every seed purpose rests on consent alone

    def apply(data: Data) -> None:
        data["purposes"][purpose]["bases"] = bases

    return Edit(apply, frozenset({ChangeKind.basis_changed}), f"{purpose} on {bases}")


@st.composite
def removed_right(draw: st.DrawFn) -> Edit:
    right = draw(st.sampled_from(SEED.rights.granted))

    def apply(data: Data) -> None:
        data["rights"]["granted"].remove(right)

    return Edit(apply, frozenset({ChangeKind.right_removed}), f"no {right}")


significant_edits = st.one_of(
    new_item_and_purpose(),
    new_processor(),
    new_country(),
    longer_retention(),
    changed_basis(),
    removed_right(),
)


# -- things only wording or order ----------------------------------------------------------------


@st.composite
def wording(draw: st.DrawFn) -> Edit:
    text = draw(words)
    where = draw(
        st.sampled_from(
            ["item_label", "purpose_description", "processor_task", "officer", "section", "cookie"]
        )
    )
    item = draw(st.sampled_from(sorted(SEED.items)))
    purpose = draw(st.sampled_from(sorted(SEED.purposes)))
    processor = draw(st.integers(0, len(SEED.processors) - 1))

    def apply(data: Data) -> None:
        if where == "item_label":
            data["items"][item]["label"] = {"en": text, "ko": text}
        elif where == "purpose_description":
            data["purposes"][purpose]["description"] = text
        elif where == "processor_task":
            data["processors"][processor]["task"] = text
        elif where == "officer":
            data["contacts"]["privacy_officer"]["name"] = text
        elif where == "section":
            data["sections"][0]["text"] = text
        else:
            data["cookies"]["trackers"][0]["purpose"] = text

    return Edit(apply, frozenset({ChangeKind.text_changed}), f"{where}: {text!r}")


@st.composite
def reordering(draw: st.DrawFn) -> Edit:
    seed = draw(st.integers(0, 2**32 - 1))

    def apply(data: Data) -> None:
        shuffle = random.Random(seed).shuffle
        for values in (
            data["processors"],
            data["statutory_retention"],
            data["retention"],
            data["rights"]["granted"],
            data["rights"]["channels"],
            *(p["items"] for p in data["purposes"].values()),
            *(p["countries"] for p in data["processors"]),
            *(p["required"] for p in data["collection_points"].values()),
        ):
            shuffle(values)
        names = list(data["items"])
        shuffle(names)
        data["items"] = {name: data["items"][name] for name in names}

    return Edit(apply, frozenset(), f"shuffle {seed}")


ordinary_edits = st.one_of(wording(), reordering())
announce_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


# -- the properties ------------------------------------------------------------------------------


@FAST
@given(significant_edits, st.lists(ordinary_edits, max_size=3), announce_dates)
def test_what_a_subject_cares_about_is_never_ordinary(
    edit: Edit, noise: list[Edit], announced: date
) -> None:
    result = diff_policies(SEED, edited(SEED, edit, *noise), announced)  # noise shuffles last
    assert result.significant
    matching = [c for c in result.changes if c.kind in edit.kinds]
    assert {c.kind for c in matching} == edit.kinds
    assert all(c.significant for c in matching)
    promised = SEED.changes.significant_notice_days
    assert result.earliest_effective == {"kr-pipa": announced + timedelta(days=promised)}


@FAST
@given(st.lists(significant_edits, min_size=2, max_size=4))
def test_several_changes_are_each_reported(edits: list[Edit]) -> None:
    try:
        new = edited(SEED, *edits)
    except ValueError:  # two edits that contradict each other (the same right removed twice)
        return
    result = diff_policies(SEED, new, date(2026, 1, 5))
    assert result.significant
    reported = {c.kind for c in result.changes if c.significant}
    for edit in edits:
        assert edit.kinds & reported, edit


@FAST
@given(st.lists(st.one_of(significant_edits, ordinary_edits), max_size=4), announce_dates)
def test_a_policy_compared_with_itself_has_no_changes(edits: list[Edit], announced: date) -> None:
    try:
        policy = edited(SEED, *edits)
    except ValueError:
        return
    result = diff_policies(policy, policy, announced)
    assert result.changes == []
    assert not result.significant
    assert result.reconsent_required == []


@FAST
@given(st.lists(ordinary_edits, min_size=1, max_size=5), announce_dates)
def test_wording_and_order_are_ordinary(edits: list[Edit], announced: date) -> None:
    result = diff_policies(SEED, edited(SEED, *edits), announced)
    assert not result.significant, [c.summary for c in result.changes]
    assert {c.kind for c in result.changes} <= {ChangeKind.text_changed, ChangeKind.contact_changed}
    if all(not e.kinds for e in edits):
        assert result.changes == []
    assert result.earliest_effective == {
        "kr-pipa": announced + timedelta(days=SEED.changes.notice_days)
    }


@FAST
@given(
    st.lists(st.one_of(significant_edits, ordinary_edits), max_size=3),
    announce_dates,
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_no_version_takes_effect_before_the_notice_promised(
    edits: list[Edit], announced: date, notice: int, extra: int
) -> None:
    def promise(data: Data) -> None:
        data["changes"] = {"notice_days": notice, "significant_notice_days": notice + extra}

    try:
        old = edited(SEED, Edit(promise, frozenset(), "promise"))
        new = edited(old, *edits)
    except ValueError:
        return
    result = diff_policies(old, new, announced)
    promised = notice + extra if result.significant else notice
    for jurisdiction in new.jurisdictions:
        earliest = result.earliest_effective[jurisdiction]
        assert earliest >= announced + timedelta(days=promised)
        # An unchanged policy takes nothing into effect, so it is never too early.
        too_early = bool(result.changes) and new.effective_date < earliest
        assert (jurisdiction in result.too_early) is too_early
