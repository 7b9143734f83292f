"""The privacy notice, rendered from the policy file so that the notice and the behaviour
can never drift apart.

Two steps. ``build_notice`` turns a policy into a small document tree for one language:
sections of paragraphs, lists, tables and subsections, every string already resolved, every
fixed heading and label taken from the UI strings (``strings``). ``render_notice`` hands
that tree to a Jinja2 template (``templates/notice/notice.html.j2`` or ``notice.md.j2``),
which only lays it out. The HTML template autoescapes; the Markdown template escapes every
value through the ``md_*`` filters defined in ``output``.

Sections follow the order of a Korean 개인정보 처리방침 (PIPA Art 30 and Decree Art 31),
which also covers what GDPR Arts 13-14 and the CCPA ask a notice to say.
"""

from __future__ import annotations

from policyvault.services.notice.builder import build_notice
from policyvault.services.notice.model import (
    BulletList,
    Link,
    MetaLine,
    Notice,
    Paragraph,
    Section,
    Subsection,
    Table,
)
from policyvault.services.notice.output import FORMATS, render_notice
from policyvault.services.notice.values import describe_period

__all__ = [
    "FORMATS",
    "BulletList",
    "Link",
    "MetaLine",
    "Notice",
    "Paragraph",
    "Section",
    "Subsection",
    "Table",
    "build_notice",
    "describe_period",
    "render_notice",
]
