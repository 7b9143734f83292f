"""The notice as text: the Jinja2 templates, the filters that escape Markdown and HTML, and
``render_notice``."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.text import LANGUAGES, Language
from policyvault.services.notice.builder import build_notice
from policyvault.services.notice.model import Cell, Inline, Link

FORMATS = ("html", "md")


def render_notice(policy: Policy, *, fmt: str, lang: str) -> str:
    """The privacy notice as a self-contained HTML document or as Markdown."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown notice format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    notice = build_notice(policy, _language(lang))
    text = _environment(fmt).get_template(f"notice.{fmt}.j2").render(notice=notice)
    return re.sub(r"\n{3,}", "\n\n", text)


def _language(lang: str) -> Language:
    for known in LANGUAGES:
        if lang == known:
            return known
    raise InvalidInput(
        f"unknown notice language {lang!r} (expected one of: {', '.join(LANGUAGES)})"
    )


_SAFE_URL = ":/?#[]@!$&'*+,;=%-._~"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def _href(url: str) -> str:
    """A link target with anything that could end it (quotes, brackets, spaces) encoded."""
    return quote(url, safe=_SAFE_URL).replace("'", "%27").replace("(", "%28").replace(")", "%29")


def _md_inline(text: str) -> str:
    """Text that Markdown shows as written: inline markup and HTML escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _md_line(text: str) -> str:
    """An inline text that starts a line: no heading, quote or list marker either."""
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), _md_inline(text))


def _md_part(part: Inline) -> str:
    if isinstance(part, Link):
        return f"[{_md_inline(part.text)}]({_href(part.href)})"
    return _md_line(part)


def _md_paragraphs(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(
        "  \n".join(_md_line(line) for line in p.splitlines() if line.strip()) for p in paragraphs
    )


def _md_cell(cell: Cell) -> str:
    return "<br>".join(_md_part(part) for part in cell) or "—"


def _html_paragraphs(text: str) -> Markup:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(escape(line.strip()) for line in p.splitlines() if line.strip())
        )
        for p in paragraphs
    )


def _is_link(value: object) -> bool:
    return isinstance(value, Link)


@cache
def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policyvault", "templates/notice"),
        autoescape=fmt == "html",  # noqa: S701 - Markdown is escaped by the md_* filters
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters: dict[str, Callable[..., object]] = {
        "href": _href,
        "paragraphs": _html_paragraphs,
        "md": _md_inline,
        "md_part": _md_part,
        "md_paragraphs": _md_paragraphs,
        "md_cell": _md_cell,
    }
    env.filters.update(filters)
    env.tests["link"] = _is_link
    return env
