"""The notice as a document tree: sections of paragraphs, lists, tables and subsections,
every string already resolved for one language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from policyvault.domain.policy.text import Language


@dataclass(frozen=True)
class Link:
    text: str
    href: str


Inline = str | Link
Cell = tuple[Inline, ...]  # the lines of one table cell; empty renders as a dash


@dataclass(frozen=True)
class Paragraph:
    text: str  # blank lines separate paragraphs, single newlines break lines
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class BulletList:
    items: tuple[Inline, ...]
    kind: ClassVar[str] = "list"


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    kind: ClassVar[str] = "table"

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"table {self.caption!r}: a row does not match its headers")


@dataclass(frozen=True)
class Subsection:
    anchor: str
    title: str
    blocks: tuple[Block, ...]
    kind: ClassVar[str] = "subsection"


Block = Paragraph | BulletList | Table | Subsection


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class MetaLine:
    label: str
    value: Inline


@dataclass(frozen=True)
class Notice:
    lang: Language
    title: str
    meta: tuple[MetaLine, ...]
    intro: tuple[Paragraph, ...]
    contents_label: str
    empty: str  # what an empty table cell shows
    sections: tuple[Section, ...]
