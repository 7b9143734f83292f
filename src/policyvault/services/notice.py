"""The privacy notice, rendered from the policy file so that the notice and the behaviour
can never drift apart.

Two steps. ``build_notice`` turns a policy into a small document tree for one language:
sections of paragraphs, lists, tables and subsections, every string already resolved, every
fixed heading and label taken from the UI strings below. ``render_notice`` hands that tree to
a Jinja2 template (``templates/notice/notice.html.j2`` or ``notice.md.j2``), which only lays
it out. The HTML template autoescapes; the Markdown template escapes every value through the
``md_*`` filters defined here.

Sections follow the order of a Korean 개인정보 처리방침 (PIPA Art 30 and Decree Art 31),
which also covers what GDPR Arts 13-14 and the CCPA ask a notice to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import ClassVar
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.base import REGIONS
from policyvault.domain.policy.data import Basis, ConsentCategory, Sensitivity
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import SafetyKind
from policyvault.domain.policy.parties import Person, Processor
from policyvault.domain.policy.retention import BUILTIN_EVENT_LABELS, RetentionRule
from policyvault.domain.policy.text import LANGUAGES, Language, LocalizedText
from policyvault.services.notice_strings import UI_STRINGS

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

FORMATS = ("html", "md")


# --- the document tree --------------------------------------------------------------------


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


# --- entry points -------------------------------------------------------------------------


def render_notice(policy: Policy, *, fmt: str, lang: str) -> str:
    """The privacy notice as a self-contained HTML document or as Markdown."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown notice format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    notice = build_notice(policy, _language(lang))
    text = _environment(fmt).get_template(f"notice.{fmt}.j2").render(notice=notice)
    return re.sub(r"\n{3,}", "\n\n", text)


def build_notice(policy: Policy, lang: Language) -> Notice:
    """The notice for one language as a document tree, every string resolved."""
    return _NoticeBuilder(policy, lang).build()


def _language(lang: str) -> Language:
    for known in LANGUAGES:
        if lang == known:
            return known
    raise InvalidInput(
        f"unknown notice language {lang!r} (expected one of: {', '.join(LANGUAGES)})"
    )


# --- building -----------------------------------------------------------------------------


@dataclass
class _NoticeBuilder:
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
        return (", ".join(_country_name(c, self.lang) for c in codes),)

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
        heading = self.t("numbered", n=len(self._sections) + 1, title=title)
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

    # The notice.

    def build(self) -> Notice:
        p = self.policy
        controller = self.text(p.controller.legal_name)
        self.purposes_section()
        self.items_section()
        self.retention_section()
        self.destruction_section()
        self.provision_section()
        self.entrustment_section()
        self.transfer_section()
        self.rights_section()
        self.children_section()
        self.safety_section()
        self.cookies_section()
        self.breach_section()
        self.ccpa_section()
        for extra in p.sections:
            self.add(
                "section-" + re.sub(r"[^a-z0-9]+", "-", extra.key),
                self.text(extra.title),
                self.para(self.text(extra.text)),
            )
        self.officer_section()
        self.remedies_section()
        self.changes_section()

        meta = [
            MetaLine(self.t("meta.version"), p.version),
            MetaLine(self.t("meta.effective"), self.date(p.effective_date)),
        ]
        if p.controller.services:
            services = ", ".join(self.text(s) for s in p.controller.services)
            meta.append(MetaLine(self.t("meta.services"), services))
        if p.controller.address is not None:
            meta.append(MetaLine(self.t("meta.address"), self.text(p.controller.address)))
        if p.controller.website is not None:
            site = p.controller.website
            meta.append(MetaLine(self.t("meta.website"), Link(site, _web_href(site))))
        laws = [self.t("law_in_text", law=self.law(j)) for j in p.jurisdictions]
        return Notice(
            lang=self.lang,
            title=self.t("title", controller=controller),
            meta=tuple(meta),
            intro=(Paragraph(self.t("intro", controller=controller, laws=self.join(laws))),),
            contents_label=self.t("contents"),
            empty="—",
            sections=tuple(self._sections),
        )

    def join(self, words: Sequence[str]) -> str:
        if self.lang == "ko" or len(words) < 2:
            return ", ".join(words)
        return ", ".join(words[:-1]) + " and " + words[-1]

    def purposes_section(self) -> None:
        rows = []
        for purpose in self.policy.purposes.values():
            details = [*self.lines(purpose.description)]
            if purpose.direct_marketing:
                details.append(self.t("direct_marketing"))
            bases: list[Inline] = []
            for b in purpose.bases:
                label = self.basis(b.basis, b.consent_category)
                if b.interest is not None:
                    label = self.t("basis_interest", basis=label, text=self.text(b.interest))
                if b.law is not None:
                    label = self.t("basis_law", basis=label, law=self.text(b.law))
                bases.append(label)
            use: Cell = (purpose.data_use,) if purpose.data_use else ()
            row = ((purpose.label.get(self.lang),), tuple(details), self.items(purpose.items))
            rows.append((*row, tuple(bases), use))
        self.add(
            "purposes",
            self.t("s.purposes"),
            self.para(self.t("purposes.intro")),
            self.table(self.t("purposes.caption"), "purposes.headers", rows),
        )

    def items_section(self) -> None:
        p = self.policy
        rows = []
        for point in p.collection_points.values():
            how = self.text(point.method) or self.t(
                "method.automatic" if point.kind.value == "automatic" else "method.entered",
                kind=self.t(f"kind.{point.kind.value}"),
            )
            consents = tuple(
                self.cap(self.t(f"consent.{c.category}"))
                + " "
                + self.t("required" if c.required else "optional")
                for c in point.consents
            )
            rows.append(
                (
                    (point.label.get(self.lang),),
                    self.items(point.required),
                    self.items(point.optional),
                    self.lines(point.timing),
                    (how,),
                    consents,
                )
            )
        groups = [
            ((c.label.get(self.lang),), self.lines(c.description), self.items(c.items))
            for c in p.record_categories
        ]
        sensitive = []
        for key in p.items:
            flags = sorted(p.sensitivity_of(key), key=list(Sensitivity).index)
            if flags:
                kinds = ", ".join(self.t(f"sensitivity.{f.value}") for f in flags)
                sensitive.append(((self.item(key),), (kinds,)))
        self.add(
            "items",
            self.t("s.items"),
            self.para(self.t("items.intro")),
            self.table(self.t("items.caption"), "items.headers", rows),
            self.sub(
                "items-categories",
                self.t("categories.title"),
                self.table(self.t("categories.caption"), "categories.headers", groups)
                if groups
                else None,
            ),
            self.sub(
                "items-sensitive",
                self.t("sensitive.title"),
                self.table(self.t("sensitive.caption"), "sensitive.headers", sensitive)
                if sensitive
                else None,
                self.para(self.t("sensitive.encrypted")) if sensitive else None,
            ),
        )

    def retention_text(self, rule: RetentionRule) -> str:
        after = ""
        if rule.period is not None:
            after = self.t("after", period=self.period(rule.period), event=self.event(rule.from_))
        if rule.until is not None and rule.period is not None:
            return self.t("until_or", event=self.event(rule.until), after=after)
        if rule.until is not None:
            return self.t("until", event=self.event(rule.until))
        return after

    def retention_section(self) -> None:
        p = self.policy
        rows = []
        for rule in p.retention:
            items = rule.items
            if items is None:
                purpose = p.purposes.get(rule.purpose)
                items = purpose.items if purpose is not None else []
            rows.append(
                (
                    (self.purpose(rule.purpose),),
                    self.items(items),
                    (self.cap(self.retention_text(rule)),),
                    (self.t(f"then.{rule.then.value}"),),
                    self.lines(rule.description),
                )
            )
        statutory = []
        for record in p.statutory_retention:
            if record.kind.value == "company_policy":
                grounds = self.t("company_policy", reason=self.text(record.reason))
            else:
                grounds = " ".join(
                    x for x in (self.text(record.statute), self.text(record.article)) if x
                )
            statutory.append(
                (
                    (record.label.get(self.lang),),
                    (grounds,),
                    (self.period(record.period),),
                    (self.cap(self.event(record.from_)),),
                    self.items(record.items),
                )
            )
        holds = [self.text(h.description) for h in p.legal_holds]
        self.add(
            "retention",
            self.t("s.retention"),
            self.para(self.t("retention.intro")),
            self.table(self.t("retention.caption"), "retention.headers", rows) if rows else None,
            self.sub(
                "retention-statutory",
                self.t("statutory.title"),
                self.para(self.t("statutory.intro")) if statutory else None,
                self.table(self.t("statutory.caption"), "statutory.headers", statutory)
                if statutory
                else None,
            ),
            self.sub(
                "retention-holds",
                self.t("holds.title"),
                self.para(self.t("holds.intro")) if holds else None,
                self.bullets(holds),
            ),
        )

    def destruction_section(self) -> None:
        d = self.policy.destruction
        days = d.grace_period_days
        deadline = (
            self.t("destruction.within", days=self.period(Duration(days=days)))
            if days
            else self.t("destruction.now")
        )
        if d.approval_required:
            key = f"approver.{d.approver}"
            approver = self.t(key) if key in UI_STRINGS else d.approver.replace("_", " ")
            approval = self.t("destruction.approval", approver=approver)
        else:
            approval = self.t("destruction.automatic")
        separate = self.t("destruction.separate") if d.separate_store else ""
        self.add(
            "destruction",
            self.t("s.destruction"),
            self.para(deadline, approval, separate),
            self.sub(
                "destruction-procedure",
                self.t("destruction.procedure"),
                self.para(self.text(d.procedure)),
            ),
            self.sub(
                "destruction-method", self.t("destruction.method"), self.para(self.text(d.method))
            ),
        )

    def provision_section(self) -> None:
        provision = self.policy.provision
        if provision is None:
            self.add("provision", self.t("s.provision"), self.para(self.t("provision.none")))
            return
        rows = []
        for r in provision.recipients:
            basis: list[Inline] = [self.basis(r.basis, r.consent_category)]
            if r.sale_or_sharing:
                basis.append(self.t("provision.sale"))
            rows.append(
                (
                    (r.name,),
                    (r.purpose.get(self.lang),),
                    self.items(r.items),
                    self.lines(r.retention),
                    self.countries(r.countries),
                    tuple(basis),
                )
            )
        self.add(
            "provision",
            self.t("s.provision"),
            self.para(self.text(provision.statement)),
            self.table(self.t("provision.caption"), "provision.headers", rows) if rows else None,
            self.sub(
                "provision-exceptions",
                self.t("provision.exceptions"),
                self.bullets(self.text(e) for e in provision.exceptions),
            ),
        )

    def overseas(self, processor: Processor) -> bool:
        return any(c != self.policy.controller.country for c in processor.countries)

    def entrustment_section(self) -> None:
        rows = [
            (
                (p.name,),
                (p.task.get(self.lang),),
                self.items(p.items),
                self.lines(p.retention),
                self.lines(p.contact),
            )
            for p in self.policy.processors
            if not self.overseas(p)
        ]
        if not rows:
            # Processors abroad are entrustees too; they are listed with the transfers.
            abroad = any(self.overseas(p) for p in self.policy.processors)
            none = self.t("entrustment.abroad_only" if abroad else "entrustment.none")
            self.add("entrustment", self.t("s.entrustment"), self.para(none))
            return
        self.add(
            "entrustment",
            self.t("s.entrustment"),
            self.para(self.t("entrustment.intro")),
            self.table(self.t("entrustment.caption"), "entrustment.headers", rows),
        )

    def transfer_section(self) -> None:
        rows = []
        for p in self.policy.processors:
            if not self.overseas(p):
                continue
            basis: Cell = ()
            if p.transfer_basis is not None:
                basis = (self.basis(p.transfer_basis, p.consent_category),)
            rows.append(
                (
                    (p.name,),
                    self.countries(p.countries),
                    self.items(p.items),
                    self.lines(p.timing),
                    self.lines(p.method),
                    (p.task.get(self.lang),),
                    self.lines(p.retention),
                    self.lines(p.contact),
                    basis,
                    self.lines(p.refusal),
                )
            )
        if not rows:
            self.add("transfer", self.t("s.transfer"), self.para(self.t("transfer.none")))
            return
        self.add(
            "transfer",
            self.t("s.transfer"),
            self.para(self.t("transfer.intro")),
            self.table(self.t("transfer.caption"), "transfer.headers", rows),
        )

    def rights_section(self) -> None:
        rights = self.policy.rights
        channels = []
        for c in rights.channels:
            address: Cell = ()
            if c.address:
                address = (_contact_link(c.address) if c.kind.value == "email" else c.address,)
            channels.append(((self.t(f"channel.{c.kind.value}"),), address, self.lines(c.note)))
        if rights.agents_allowed:
            agents = self.para(
                self.t("agents.allowed"),
                self.t("agents.document", document=self.text(rights.agent_document))
                if rights.agent_document is not None
                else "",
            )
        else:
            agents = self.para(self.t("agents.refused"))
        self.add(
            "rights",
            self.t("s.rights"),
            self.para(self.t("rights.intro")),
            self.bullets(self.t(f"right.{r.value}") for r in rights.granted),
            self.sub(
                "rights-how",
                self.t("rights.how"),
                self.para(self.t("rights.how.intro")),
                self.table(self.t("rights.channels"), "rights.headers", channels),
                self.para(self.t("rights.freeze")) if rights.freeze_while_pending else None,
            ),
            self.sub("rights-agents", self.t("agents.title"), agents),
            self.sub(
                "rights-limits",
                self.t("rights.limits"),
                self.bullets(self.text(x) for x in rights.limitations),
            ),
        )

    def children_section(self) -> None:
        children = self.policy.children
        if children is None:
            return
        rows = [
            (
                (self.law(r.jurisdiction),),
                (self.t("age", n=r.minimum_age),),
                (self.t(f"under_age.{r.under_age.value}"),),
            )
            for r in children.rules
        ]
        self.add(
            "children",
            self.t("s.children"),
            self.para(self.text(children.statement)),
            self.table(self.t("children.caption"), "children.headers", rows),
            self.sub(
                "children-retention",
                self.t("children.retention"),
                self.para(self.text(children.retention)),
            ),
        )

    def safety_section(self) -> None:
        p = self.policy
        groups = []
        for kind in SafetyKind:
            measures = [self.text(m.text) for m in p.safety_measures if m.kind is kind]
            if measures:
                title = self.t(f"safety.{kind.value}")
                groups.append(self.sub(f"safety-{kind.value}", title, self.bullets(measures)))
        log = p.access_log
        key = "access_log.tamper" if log.tamper_evident else "access_log.kept"
        self.add(
            "safety",
            self.t("s.safety"),
            self.para(self.t("safety.intro")) if groups else None,
            *groups,
            self.sub(
                "safety-access-log",
                self.t("access_log.title"),
                self.para(
                    self.t(key, period=self.period(log.retention)), self.text(log.description)
                ),
            ),
        )

    def cookies_section(self) -> None:
        cookies = self.policy.cookies
        if cookies is None:
            self.add("cookies", self.t("s.cookies"), self.para(self.t("cookies.none")))
            return
        rows = []
        for tracker in cookies.trackers:
            provider = tracker.provider or self.t("first_party")
            if tracker.session:
                duration = self.t("session")
            elif tracker.duration is not None:
                duration = self.period(tracker.duration)
            else:
                duration = self.t("duration_not_stated")
            rows.append(
                (
                    (tracker.name,),
                    (self.t(f"tracker.{tracker.kind}"),),
                    (provider,),
                    (self.t(f"tracker_category.{tracker.category.value}"),),
                    (tracker.purpose.get(self.lang),),
                    (duration,),
                )
            )
        self.add(
            "cookies",
            self.t("s.cookies"),
            self.para(self.t("cookies.intro")),
            self.table(self.t("cookies.caption"), "cookies.headers", rows),
            self.sub(
                "cookies-refuse",
                self.t("cookies.refuse"),
                self.para(self.text(cookies.how_to_refuse)),
            ),
            self.sub(
                "cookies-refused",
                self.t("cookies.if_refused"),
                self.para(self.text(cookies.if_refused)),
            ),
        )

    def breach_section(self) -> None:
        breach = self.policy.breach
        if breach is None:
            return
        subjects, regulators = breach.notify_subjects, breach.notify_regulators
        key = {
            (True, True): "breach.both",
            (True, False): "breach.subjects",
            (False, True): "breach.regulators",
            (False, False): "breach.law",
        }[(subjects, regulators)]
        channels = self.text(breach.channels)
        self.add(
            "breach",
            self.t("s.breach"),
            self.para(self.t(key), self.t("breach.channels", text=channels) if channels else ""),
        )

    def ccpa_section(self) -> None:
        ccpa = self.policy.ccpa
        if ccpa is None:
            return
        self.add(
            "ccpa",
            self.t("s.ccpa"),
            self.para(self.t("ccpa.intro")),
            self.bullets(self.text(c) for c in ccpa.categories_collected),
            self.sub(
                "ccpa-sources",
                self.t("ccpa.sources"),
                self.bullets(self.text(s) for s in ccpa.sources),
            ),
            self.sub(
                "ccpa-purposes",
                self.t("ccpa.purposes"),
                self.para(self.text(ccpa.business_purposes)),
            ),
            self.sub(
                "ccpa-third-parties",
                self.t("ccpa.third_parties"),
                self.bullets(self.text(c) for c in ccpa.third_party_categories),
            ),
            self.sub(
                "ccpa-sale",
                self.t("ccpa.sale"),
                self.para(self.t("ccpa.sells" if ccpa.sells_or_shares else "ccpa.no_sale")),
            ),
        )

    def person_row(self, role: str, person: Person) -> tuple[Cell, ...]:
        email: Cell = (_contact_link(person.email),) if person.email else ()
        return (
            (role,),
            self.lines(person.name),
            self.lines(person.title),
            self.lines(person.department),
            (person.phone,) if person.phone else (),
            email,
        )

    def officer_section(self) -> None:
        contacts = self.policy.contacts
        rows = [
            self.person_row(self.t("role.officer"), contacts.privacy_officer),
            *(self.person_row(self.t("role.department"), d) for d in contacts.departments),
            *(self.person_row(self.t("role.representative"), r) for r in contacts.representatives),
        ]
        self.add(
            "officer",
            self.t("s.officer"),
            self.para(self.t("officer.intro")),
            self.table(self.t("officer.caption"), "officer.headers", rows),
            self.para(self.t("officer.contact")),
        )

    def remedies_section(self) -> None:
        rows = []
        for body in self.policy.remedy_bodies:
            site: Cell = (Link(body.url, _web_href(body.url)),) if body.url else ()
            rows.append(
                (
                    (body.name.get(self.lang),),
                    self.lines(body.role),
                    (body.phone,) if body.phone else (),
                    site,
                    self.lines(body.address),
                )
            )
        if not rows:
            self.add("remedies", self.t("s.remedies"), self.para(self.t("remedies.none")))
            return
        self.add(
            "remedies",
            self.t("s.remedies"),
            self.para(self.t("remedies.intro")),
            self.table(self.t("remedies.caption"), "remedies.headers", rows),
        )

    def changes_notice(self, days: int, significant: int) -> str:
        if not significant:
            return self.t("changes.on_effect")
        ahead = self.period(Duration(days=significant))
        if not days:
            return self.t("changes.significant_only", significant=ahead)
        return self.t("changes.notice", days=self.period(Duration(days=days)), significant=ahead)

    def changes_section(self) -> None:
        p = self.policy
        changes = p.changes
        history = [
            ((a.version,), (self.date(a.effective_date),), self.lines(a.summary)) for a in p.history
        ] or [((p.version,), (self.date(p.effective_date),), (self.t("history.current"),))]
        channel = self.text(changes.channel)
        self.add(
            "changes",
            self.t("s.changes"),
            self.para(
                self.t("changes.effective", date=self.date(p.effective_date), version=p.version),
                self.changes_notice(changes.notice_days, changes.significant_notice_days),
                self.t("changes.channel", text=channel) if channel else "",
            ),
            self.sub(
                "changes-history",
                self.t("history.title"),
                self.table(self.t("history.caption"), "history.headers", history),
            ),
        )


# --- values -------------------------------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def describe_period(duration: Duration, lang: Language) -> str:
    """``P6M`` -> "6 months" / "6개월", ``P1Y6M`` -> "1 year and 6 months" / "1년 6개월".

    The units are the author's: ``P36M`` reads "36 months", ``P3Y`` "3 years".
    """
    years, months, weeks, days = duration.written_units()
    parts = [(n, u) for n, u in ((years, 0), (months, 1), (weeks, 2), (days, 3)) if n]
    if not parts:
        parts = [(0, 3)]
    if lang == "ko":
        return " ".join(f"{n}{('년', '개월', '주', '일')[unit]}" for n, unit in parts)
    names = ("year", "month", "week", "day")
    words = [f"{n} {names[unit]}{'' if n == 1 else 's'}" for n, unit in parts]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


_REGIONS_KO = {"EU": "유럽연합", "EEA": "유럽경제지역"}


@cache
def _country_name(code: str, lang: Language) -> str:
    """The country's name from the phone-number metadata (CLDR names); the code if unknown."""
    if code in REGIONS:
        return _REGIONS_KO[code] if lang == "ko" else REGIONS[code]
    import phonenumbers
    from phonenumbers import geocoder

    example = phonenumbers.example_number(code)
    name = geocoder.country_name_for_number(example, lang) if example is not None else ""
    return name or code


def _web_href(url: str) -> str:
    return url if re.match(r"^https?://", url) else f"https://{url}"


def _contact_link(email: str) -> Link:
    return Link(email, "mailto:" + email)


# --- templates and their filters ----------------------------------------------------------

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
