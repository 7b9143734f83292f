"""The primitives every section is written with: UI strings, policy text and labels, and
the blocks a section is made of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from policyvault.domain.policy.data import Basis, ConsentCategory
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import BUILTIN_EVENT_LABELS
from policyvault.domain.policy.text import Language, LocalizedText
from policyvault.services.notice.model import (
    Block,
    BulletList,
    Cell,
    Inline,
    Paragraph,
    Section,
    Subsection,
    Table,
)
from policyvault.services.notice.strings import UI_STRINGS
from policyvault.services.notice.values import _MONTHS, _country_name, describe_period


@dataclass
class NoticeWriter:
    """The policy, the language, and the sections written so far; each group of sections
    is a subclass, and ``build_notice`` combines them."""

    policy: Policy
    lang: Language
    _sections: list[Section] = field(default_factory=list)

    # Small helpers: UI strings, policy text, labels.

    def t(self, key: str, **values: str | int) -> str:
        en, ko = UI_STRINGS[key]
        return (ko if self.lang == "ko" else en).format(**values)

    def text(self, value: LocalizedText | None) -> str:
        return value.get(self.lang) if value is not None else ""

    def lines(self, value: LocalizedText | None) -> Cell:
        return (value.get(self.lang),) if value is not None else ()

    def cap(self, text: str) -> str:
        return text[:1].upper() + text[1:]

    def item(self, key: str) -> str:
        item = self.policy.items.get(key)
        return item.label.get(self.lang) if item is not None else key

    def items(self, keys: Iterable[str]) -> Cell:
        labels = [self.item(k) for k in keys]
        return (", ".join(labels),) if labels else ()

    def purpose(self, key: str) -> str:
        purpose = self.policy.purposes.get(key)
        return purpose.label.get(self.lang) if purpose is not None else key

    def period(self, duration: Duration) -> str:
        return describe_period(duration, self.lang)

    def event(self, name: str) -> str:
        label = self.policy.events.get(name) or BUILTIN_EVENT_LABELS.get(name)
        return label.get(self.lang) if label is not None else name.replace("_", " ")

    def date(self, value: date) -> str:
        if self.lang == "ko":
            return f"{value.year}년 {value.month}월 {value.day}일"
        return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"

    def countries(self, codes: Sequence[str]) -> Cell:
        if not codes:
            return (self.t("not_stated"),)
        return (", ".join(_country_name(c, self.lang) for c in codes),)

    def defined(self, name: str) -> str:
        """The controller's name with the term the notice calls it by, in one pair of
        parentheses: 'X (the "Company")', or 'X (LG CNS, the "Company")' for 'X (LG CNS)'."""
        term = self.t("defined_term")
        if name.endswith(")") and "(" in name:
            return self.t("defined_inside", name=name[:-1], term=term)
        return self.t("defined", name=name, term=term)

    def law(self, jurisdiction: str) -> str:
        key = f"law.{jurisdiction}"
        return self.t(key) if key in UI_STRINGS else jurisdiction.upper()

    def basis(self, basis: Basis, category: ConsentCategory | None = None) -> str:
        label = self.t(f"basis.{basis.value}")
        if category is not None and category is not ConsentCategory.collection_use:
            return self.t("basis_with_consent", basis=label, consent=self.t(f"consent.{category}"))
        return label

    def add(self, anchor: str, title: str, *blocks: Block | None) -> None:
        taken = {s.anchor for s in self._sections}
        unique, n = anchor, 1
        while unique in taken:
            n += 1
            unique = f"{anchor}-{n}"
        anchor = unique
        numbered = "numbered_plain" if "(" in title or ")" in title else "numbered"
        heading = self.t(numbered, n=len(self._sections) + 1, title=title)
        self._sections.append(Section(anchor, heading, tuple(b for b in blocks if b)))

    def sub(self, anchor: str, title: str, *blocks: Block | None) -> Subsection | None:
        kept = tuple(b for b in blocks if b)
        return Subsection(anchor, title, kept) if kept else None

    def para(self, *texts: str) -> Paragraph | None:
        kept = [t for t in texts if t]
        return Paragraph("\n\n".join(kept)) if kept else None

    def bullets(self, entries: Iterable[Inline]) -> BulletList | None:
        kept = tuple(e for e in entries if e)
        return BulletList(kept) if kept else None

    def table(self, caption: str, header_key: str, rows: Iterable[tuple[Cell, ...]]) -> Table:
        headers = tuple(self.t(header_key).split("|"))
        return Table(caption, headers, tuple(rows))
