"""What a reader sees of a seed's rendered notice, and the checks the scenarios make on it."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from policyvault.domain.policy.model import Policy
from policyvault.services.notice import render_notice


def rendered_text(policy: Policy, fmt: str, lang: str) -> str:
    """The notice as text: tags (HTML, and the anchors and breaks in Markdown) dropped,
    entities decoded, white space folded."""
    rendered = render_notice(policy, fmt=fmt, lang=lang)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


def assert_near(text: str, label: str, value: str, within: int = 120) -> None:
    """``value`` starts within ``within`` characters after some occurrence of ``label``."""
    pattern = f"{re.escape(label)}.{{0,{within}}}?{re.escape(value)}"
    assert re.search(pattern, text), f"{value!r} not within {within} characters of {label!r}"


def assert_mentions(text: str, *phrases: str) -> None:
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, f"missing from the notice: {missing}"


def assert_omits(text: str, *phrases: str) -> None:
    present = [phrase for phrase in phrases if phrase in text]
    assert not present, f"in the notice, though the seed does not say it: {present}"


@dataclass(frozen=True)
class NoticeFacts:
    """What a seed's notice in one language says (``near``: each value close after its
    label), and what it must not say."""

    mentions: tuple[str, ...] = ()
    near: Mapping[str, str] = field(default_factory=dict)
    omits: tuple[str, ...] = ()

    def check(self, text: str) -> None:
        for label, value in self.near.items():
            assert_near(text, label, value)
        assert_mentions(text, *self.mentions)
        assert_omits(text, *self.omits)
