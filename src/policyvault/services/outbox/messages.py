"""The outbox's messages: a subject, a plain text and an HTML body per kind, in English or
Korean (any other language gets English).

Each kind has one template per language, ``templates/messages/<kind>.<lang>.j2``. It is
rendered twice from the same source, as plain text (nothing escaped) and as HTML
(autoescaped), with ``as_html`` telling the shared macros of ``_macros.j2`` which layout to
write, so the two bodies cannot say different things. The template sets ``subject``. Fixed
labels (request kinds, outcomes, statuses) live in ``_labels.<lang>.j2``, next to the
sentences they are used in. A missing variable fails loudly (StrictUndefined), and the keys
below are checked before rendering.

Context keys by kind (all required; ``None`` only where the type says so). Dates are
timezone-aware datetimes, shown as date, time and UTC offset in UTC, or in the zone of an
optional ``timezone`` key (an IANA name such as ``Asia/Seoul``, or a tzinfo).

``verification_code``
    controller (str), code (str), expires_minutes (int), request_kind (a RequestKind value)
``acknowledgement``
    controller, request_id, request_kind, received_at, due_at, verification (a
    VerificationMethod value: code, agent_document, ...), remedy (list of remedy entries)
``result``
    controller, request_id, request_kind, status (completed | refused | partly), outcomes
    (list of {target, label, outcome (fulfilled | kept | refused | not_held), reason,
    until (datetime | None)}), download_url (str | None), download_expires_at
    (datetime | None), refusal_reason (str | None), remedy, objection_procedure (str | None:
    how to object to the decision, PIPA Art 38(5))
``extension``
    controller, request_id, request_kind, previous_due_at, new_due_at, reason (str)
``forward_erasure`` (to a recipient of the data)
    controller, recipient_name, action (erase | correct | restrict), subject_reference (an
    opaque id), item_keys (list[str]), confirm_url, requested_at
``escalation`` (to the privacy officer)
    request_id, recipient_id, attempts (int), first_sent_at
``deadline_alert`` (to the privacy officer)
    counts (dict: request status -> int), overdue and due_soon (lists of {request_id,
    request_kind, due_at})

A remedy entry is ``{name, role, phone, url}`` with only ``name`` required (``remedy_entries``
makes them from the policy's remedy bodies); only the fields present are shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.parties import RemedyBody
from policyvault.domain.policy.text import Language

CONTEXT_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset(keys.split())
    for kind, keys in {
        "verification_code": "controller code expires_minutes request_kind",
        "acknowledgement": "controller request_id request_kind received_at due_at "
        "verification remedy",
        "result": "controller request_id request_kind status outcomes download_url "
        "download_expires_at refusal_reason remedy objection_procedure",
        "extension": "controller request_id request_kind previous_due_at new_due_at reason",
        "forward_erasure": "controller recipient_name action subject_reference item_keys "
        "confirm_url requested_at",
        "escalation": "request_id recipient_id attempts first_sent_at",
        "deadline_alert": "counts overdue due_soon",
    }.items()
}
RESULT_STATUSES = ("completed", "refused", "partly")


@dataclass(frozen=True)
class RenderedMessage:
    # Kept out of repr: the texts hold codes and names that must not reach a log.
    subject: str = field(repr=False)
    text: str = field(repr=False)
    html: str | None = field(repr=False)


def render_message(kind: str, language: str, context: Mapping[str, Any]) -> RenderedMessage:
    keys = CONTEXT_KEYS.get(kind)
    if keys is None:
        raise InvalidInput(
            f"unknown message kind {kind!r} (expected one of: {', '.join(CONTEXT_KEYS)})"
        )
    missing = sorted(keys - context.keys())
    if missing:
        raise InvalidInput(f"the {kind} message needs: {', '.join(missing)}")
    if kind == "result" and context["status"] not in RESULT_STATUSES:
        # The template branches on it: any other value would silently read as a refusal.
        raise InvalidInput(f"a result status is one of: {', '.join(RESULT_STATUSES)}")
    lang = message_language(language)
    values = {**context, "lang": lang, "zone": _zone(context.get("timezone"))}
    name = f"{kind}.{lang}.j2"
    text = _TEXT.get_template(name).make_module({**values, "as_html": False})
    subject = " ".join(str(getattr(text, "subject")).split())  # noqa: B009 - a template export
    html_module = _HTML.get_template(name).make_module({**values, "as_html": True})
    # The body was autoescaped as it was rendered: Markup keeps it from being escaped twice.
    body = Markup(str(html_module))  # noqa: S704
    html = _HTML.get_template("_document.html.j2").render(lang=lang, subject=subject, body=body)
    return RenderedMessage(subject=subject, text=_tidy(str(text)), html=html)


def message_language(language: str) -> Language:
    """``ko`` for Korean (``ko``, ``ko-KR``), else English."""
    return "ko" if language.lower().split("-")[0].split("_")[0] == "ko" else "en"


def remedy_entries(bodies: Iterable[RemedyBody], language: str) -> list[dict[str, str]]:
    """The policy's remedy bodies as the ``remedy`` context entries, in one language."""
    lang = message_language(language)
    entries: list[dict[str, str]] = []
    for body in bodies:
        entry = {"name": body.name.get(lang)}
        if body.role is not None:
            entry["role"] = body.role.get(lang)
        if body.phone:
            entry["phone"] = body.phone
        if body.url:
            entry["url"] = str(body.url)
        entries.append(entry)
    return entries


def _zone(value: object) -> tzinfo:
    if value is None:
        return UTC
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {value!r}") from None


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, value: object) -> str:
    """A date as ``2025-03-01 18:00 (UTC+09:00)``: ISO date and time, and the offset."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput("message dates must be timezone-aware datetimes")
    local = value.astimezone(context["zone"])
    minutes = int((local.utcoffset() or timedelta(0)).total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    zone = f"UTC{'-' if minutes < 0 else '+'}{hours:02}:{rest:02}" if minutes else "UTC"
    return f"{local:%Y-%m-%d %H:%M} ({zone})"


def _tidy(text: str) -> str:
    # Template tags leave stray spaces and blank lines behind; a plain-text mail shows them.
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


def _environment(*, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policyvault", "templates/messages"),
        autoescape=html,  # noqa: S701 - the plain-text rendering is not HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


_TEXT = _environment(html=False)
_HTML = _environment(html=True)
