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
        en, ko = _UI[key]
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
        return self.t(key) if key in _UI else jurisdiction.upper()

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
            ((c.label.get(self.lang),), self.lines(c.description)) for c in p.record_categories
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
                grounds = " ".join(x for x in (self.text(record.statute), record.article) if x)
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
            approver = self.t(key) if key in _UI else d.approver.replace("_", " ")
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
            self.add("entrustment", self.t("s.entrustment"), self.para(self.t("entrustment.none")))
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
            duration = self.period(tracker.duration) if tracker.duration else self.t("session")
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

    Whole years are shown as years: the parsed duration no longer knows whether the file
    said ``P36M`` or ``P3Y``.
    """
    years, months = divmod(duration.months, 12)
    parts = [(n, unit) for n, unit in ((years, 0), (months, 1), (duration.days, 2)) if n]
    if not parts:
        parts = [(0, 2)]
    if lang == "ko":
        return " ".join(f"{n}{('년', '개월', '일')[unit]}" for n, unit in parts)
    words = [f"{n} {('year', 'month', 'day')[unit]}{'' if n == 1 else 's'}" for n, unit in parts]
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


# --- UI strings: (English, Korean) --------------------------------------------------------

_UI: dict[str, tuple[str, str]] = {
    "title": ("{controller} Privacy Policy", "{controller} 개인정보 처리방침"),
    "intro": (
        '{controller} (the "Company") has established and publishes this privacy policy, in '
        "accordance with {laws}, to protect the personal information of data subjects and to "
        "handle their complaints about it promptly and smoothly.",
        '{controller}(이하 "회사")는 {laws} 등 관련 법령에 따라 정보주체의 개인정보를 '
        "보호하고 이와 관련한 고충을 신속하고 원활하게 처리할 수 있도록 하기 위하여 다음과 "
        "같이 개인정보 처리방침을 수립·공개합니다.",
    ),
    "contents": ("Contents", "목차"),
    "numbered": ("{n}. {title}", "제{n}조({title})"),
    "meta.version": ("Version", "버전"),
    "meta.effective": ("Effective date", "시행일"),
    "meta.services": ("Services", "적용 서비스"),
    "meta.address": ("Address", "주소"),
    "meta.website": ("Website", "홈페이지"),
    "required": ("(required)", "(필수)"),
    "optional": ("(optional)", "(선택)"),
    # Section headings.
    "s.purposes": ("Purposes of processing personal information", "개인정보의 처리 목적"),
    "s.items": ("Personal information items processed", "처리하는 개인정보의 항목"),
    "s.retention": (
        "Processing and retention periods of personal information",
        "개인정보의 처리 및 보유 기간",
    ),
    "s.destruction": (
        "Procedure and method of destroying personal information",
        "개인정보의 파기 절차 및 방법",
    ),
    "s.provision": ("Provision of personal information to third parties", "개인정보의 제3자 제공"),
    "s.entrustment": (
        "Entrustment of personal information processing",
        "개인정보 처리업무의 위탁",
    ),
    "s.transfer": ("Overseas transfer of personal information", "개인정보의 국외 이전"),
    "s.rights": (
        "Rights and duties of data subjects and their legal representatives, and how to "
        "exercise them",
        "정보주체와 법정대리인의 권리·의무 및 행사방법",
    ),
    "s.children": ("Personal information of children", "아동의 개인정보 보호"),
    "s.safety": (
        "Measures to ensure the safety of personal information",
        "개인정보의 안전성 확보조치",
    ),
    "s.cookies": (
        "Installation, operation and refusal of automatic collection devices (cookies)",
        "개인정보 자동 수집 장치의 설치·운영 및 거부에 관한 사항",
    ),
    "s.breach": ("Notification of personal information breaches", "개인정보 유출 등의 통지"),
    "s.ccpa": (
        "Additional notice for California residents (CCPA)",
        "캘리포니아 주민을 위한 추가 고지 (CCPA)",
    ),
    "s.officer": ("Privacy officer", "개인정보 보호책임자"),
    "s.remedies": ("Remedies for infringement of rights", "권익침해 구제방법"),
    "s.changes": ("Changes to this privacy policy", "개인정보 처리방침의 변경"),
    # Laws.
    "law_in_text": ("the {law}", "{law}"),
    "law.kr-pipa": ("Personal Information Protection Act of Korea", "「개인정보 보호법」"),
    "law.eu-gdpr": (
        "EU General Data Protection Regulation (GDPR)",
        "EU 일반 개인정보 보호법(GDPR)",
    ),
    "law.uk-gdpr": (
        "UK General Data Protection Regulation",
        "영국 일반 개인정보 보호법(UK GDPR)",
    ),
    "law.us-ccpa": (
        "California Consumer Privacy Act (CCPA)",
        "캘리포니아 소비자 개인정보 보호법(CCPA)",
    ),
    "law.us-coppa": (
        "Children's Online Privacy Protection Act (COPPA)",
        "아동 온라인 개인정보 보호법(COPPA)",
    ),
    # Purposes and lawful bases.
    "purposes.intro": (
        "The Company processes personal information for the following purposes. It is not "
        "used for any other purpose; if a purpose changes, the Company takes the necessary "
        "measures, such as asking for separate consent.",
        "회사는 다음의 목적을 위하여 개인정보를 처리합니다. 처리하고 있는 개인정보는 다음의 "
        "목적 이외의 용도로는 이용되지 않으며, 이용 목적이 변경되는 경우에는 별도의 동의를 "
        "받는 등 필요한 조치를 이행합니다.",
    ),
    "purposes.caption": ("Purposes of processing and their lawful bases", "처리 목적 및 처리 근거"),
    "purposes.headers": (
        "Purpose|Details|Items|Lawful basis|Data use",
        "처리 목적|세부 내용|처리 항목|처리 근거|데이터 이용 유형",
    ),
    "direct_marketing": (
        "Direct marketing: you may object to it at any time.",
        "광고성 정보 전송(직접 마케팅): 언제든지 거부할 수 있습니다.",
    ),
    "basis.consent": ("Consent of the data subject", "정보주체의 동의"),
    "basis.contract": ("Entering into or performing a contract", "계약의 체결·이행"),
    "basis.legal_obligation": ("Compliance with a legal obligation", "법령상 의무의 준수"),
    "basis.legitimate_interest": ("Legitimate interests", "정당한 이익"),
    "basis.vital_interest": (
        "Protection of vital interests",
        "생명·신체·재산의 이익 보호",
    ),
    "basis.public_task": ("Performance of a task in the public interest", "공공 업무의 수행"),
    "basis_with_consent": ("{basis} ({consent})", "{basis} ({consent})"),
    "basis_interest": ("{basis}: {text}", "{basis}: {text}"),
    "basis_law": ("{basis} ({law})", "{basis} ({law})"),
    "consent.collection_use": ("consent to collection and use", "수집·이용 동의"),
    "consent.third_party_provision": (
        "consent to provision to third parties",
        "제3자 제공 동의",
    ),
    "consent.out_of_purpose_use": (
        "consent to use beyond the original purpose",
        "목적 외 이용 동의",
    ),
    "consent.marketing": ("consent to receive marketing", "광고성 정보 수신 동의"),
    "consent.unique_identifier": (
        "consent to processing of unique identifiers",
        "고유식별정보 처리 동의",
    ),
    "consent.sensitive": ("consent to processing of sensitive information", "민감정보 처리 동의"),
    "consent.overseas_transfer": ("consent to overseas transfer", "국외 이전 동의"),
    "consent.cookies": ("consent to cookies", "쿠키 저장 동의"),
    # Items.
    "items.intro": (
        "The Company collects the following personal information at the following points.",
        "회사는 다음의 개인정보 항목을 다음의 경로로 수집하여 처리하고 있습니다.",
    ),
    "items.caption": ("Items collected at each collection point", "수집 경로별 수집 항목"),
    "items.headers": (
        "Collection point|Required items|Optional items|When collected|How collected|"
        "Consents asked",
        "구분|필수항목|선택항목|수집 시기|수집 방법|동의 항목",
    ),
    "method.automatic": (
        "Collected automatically while the service is used",
        "서비스 이용 과정에서 자동 수집",
    ),
    "method.entered": ("Entered by the data subject ({kind})", "정보주체가 직접 입력 ({kind})"),
    "kind.sign_up": ("sign-up", "회원가입"),
    "kind.log_in": ("log-in", "로그인"),
    "kind.contact_form": ("contact form", "문의 양식"),
    "kind.inquiry": ("inquiry", "문의"),
    "kind.order": ("order", "주문"),
    "kind.payment": ("payment", "결제"),
    "kind.survey": ("survey", "설문조사"),
    "kind.upload": ("upload", "파일 업로드"),
    "kind.identity_check": ("identity check", "본인 확인"),
    "kind.automatic": ("automatic collection", "자동 수집"),
    "kind.other": ("other", "기타"),
    "categories.title": ("Categories of personal information", "개인정보의 분류"),
    "categories.caption": ("What each category contains", "분류별 포함 항목"),
    "categories.headers": ("Category|Description", "분류|설명"),
    "sensitive.title": (
        "Sensitive information and unique identifiers",
        "민감정보 및 고유식별정보 등",
    ),
    "sensitive.caption": ("Items that need special protection", "특별히 보호하는 항목"),
    "sensitive.headers": ("Item|Kind", "항목|구분"),
    "sensitive.encrypted": (
        "These items are always stored encrypted; passwords are stored only in a form that "
        "cannot be decrypted.",
        "이 항목은 항상 암호화하여 저장하며, 비밀번호는 복호화할 수 없도록 일방향 암호화하여 "
        "저장합니다.",
    ),
    "sensitivity.password": ("Password", "비밀번호"),
    "sensitivity.unique_identifier": ("Unique identifier", "고유식별정보"),
    "sensitivity.financial": ("Financial information", "금융정보"),
    "sensitivity.special_category": ("Sensitive information", "민감정보"),
    "sensitivity.child_data": ("Children's personal information", "아동의 개인정보"),
    # Retention.
    "retention.intro": (
        "The Company processes and keeps personal information within the retention period "
        "set by law or agreed to by the data subject when it was collected.",
        "회사는 법령에 따른 개인정보 보유·이용기간 또는 정보주체로부터 개인정보를 수집 시에 "
        "동의받은 개인정보 보유·이용기간 내에서 개인정보를 처리·보유합니다.",
    ),
    "retention.caption": ("Retention period for each purpose", "처리 목적별 보유 기간"),
    "retention.headers": (
        "Purpose|Items|Retention period|At the end of the period|Notes",
        "처리 목적|항목|보유 기간|보유 기간 경과 후|비고",
    ),
    "until": ("until {event}", "{event} 시까지"),
    "after": ("{period} after {event}", "{event} 후 {period}"),
    "until_or": (
        "until {event}, or {after} if that comes first",
        "{event} 시 또는 {after} 중 먼저 도래하는 때까지",
    ),
    "then.delete": ("Destroyed", "파기"),
    "then.anonymise": ("Anonymised", "익명처리"),
    "statutory.title": ("Records kept as required by law", "관계 법령에 따른 보존"),
    "statutory.intro": (
        "Where a law or the Company's stated policy requires records to be kept, the Company "
        "keeps them separately for the period below and uses them for no other purpose.",
        "관계 법령 등에 따라 보존할 필요가 있는 경우 회사는 아래와 같이 정한 기간 동안 해당 "
        "정보를 별도로 보관하며, 다른 목적으로는 이용하지 않습니다.",
    ),
    "statutory.caption": ("Records kept by law", "법령 등에 따라 보존하는 기록"),
    "statutory.headers": (
        "Record|Legal basis|Retention period|Counted from|Items",
        "보존 기록|근거 법령|보존 기간|기산 시점|항목",
    ),
    "company_policy": ("Company policy: {reason}", "회사 내부 방침: {reason}"),
    "holds.title": ("Retention beyond these periods", "보유 기간의 예외"),
    "holds.intro": (
        "In the following cases personal information is kept beyond its period, until the "
        "reason ends:",
        "다음의 사유에 해당하는 경우에는 해당 사유가 종료될 때까지 개인정보를 보유합니다.",
    ),
    # Destruction.
    "destruction.within": (
        "When personal information is no longer needed because its retention period has "
        "ended or its purpose has been achieved, the Company destroys it within {days}.",
        "회사는 개인정보 보유기간의 경과, 처리목적 달성 등 개인정보가 불필요하게 되었을 "
        "때에는 {days} 이내에 해당 개인정보를 파기합니다.",
    ),
    "destruction.now": (
        "When personal information is no longer needed because its retention period has "
        "ended or its purpose has been achieved, the Company destroys it without delay.",
        "회사는 개인정보 보유기간의 경과, 처리목적 달성 등 개인정보가 불필요하게 되었을 "
        "때에는 지체 없이 해당 개인정보를 파기합니다.",
    ),
    "destruction.approval": (
        "Destruction is carried out with the approval of {approver}.",
        "파기는 {approver}의 승인을 받아 진행합니다.",
    ),
    "destruction.automatic": (
        "Destruction is carried out automatically when it falls due.",
        "파기 기한이 도래하면 자동으로 파기합니다.",
    ),
    "approver.privacy_officer": ("the privacy officer", "개인정보 보호책임자"),
    "destruction.separate": (
        "Where another law requires personal information to be kept after its retention "
        "period has ended or its purpose has been achieved, it is moved to a separate "
        "database, kept apart from other personal information.",
        "보유기간이 경과하거나 처리목적이 달성되었음에도 불구하고 다른 법령에 따라 "
        "개인정보를 계속 보존하여야 하는 경우에는, 해당 개인정보를 별도의 데이터베이스(DB)로 "
        "옮기거나 보관장소를 달리하여 보존합니다.",
    ),
    "destruction.procedure": ("Procedure", "파기 절차"),
    "destruction.method": ("Method", "파기 방법"),
    # Provision, entrustment, transfer.
    "provision.none": (
        "The Company does not provide personal information to third parties.",
        "회사는 정보주체의 개인정보를 제3자에게 제공하지 않습니다.",
    ),
    "provision.caption": ("Recipients of personal information", "개인정보를 제공받는 자"),
    "provision.headers": (
        "Recipient|Recipient's purpose|Items provided|Retention by the recipient|Countries|Basis",
        "제공받는 자|제공받는 자의 이용 목적|제공 항목|제공받는 자의 보유·이용 기간|국가|제공 근거",
    ),
    "provision.sale": ("A sale or sharing under the CCPA", "CCPA상 판매 또는 공유에 해당"),
    "provision.exceptions": ("Exceptions", "예외 사항"),
    "entrustment.none": (
        "The Company does not entrust the processing of personal information to others.",
        "회사는 개인정보 처리업무를 외부에 위탁하지 않습니다.",
    ),
    "entrustment.intro": (
        "The Company entrusts the following personal information processing tasks to the "
        "processors below.",
        "회사는 원활한 개인정보 업무처리를 위하여 다음과 같이 개인정보 처리업무를 위탁하고 "
        "있습니다.",
    ),
    "entrustment.caption": ("Processors and the tasks entrusted to them", "수탁자 및 위탁 업무"),
    "entrustment.headers": (
        "Processor|Task entrusted|Items|Retention|Contact",
        "수탁자|위탁 업무의 내용|처리 항목|보유 및 이용 기간|연락처",
    ),
    "transfer.none": (
        "The Company does not transfer personal information overseas.",
        "회사는 개인정보를 국외로 이전하지 않습니다.",
    ),
    "transfer.intro": (
        "The Company transfers personal information overseas as follows.",
        "회사는 다음과 같이 개인정보를 국외로 이전하고 있습니다.",
    ),
    "transfer.caption": ("Overseas transfers", "국외 이전 현황"),
    "transfer.headers": (
        "Recipient|Countries|Items transferred|When|How|Purpose|Retention|Contact|Basis|"
        "How to refuse, and what follows",
        "이전받는 자|이전되는 국가|이전 항목|이전 시기|이전 방법|이전받는 자의 이용 목적|"
        "보유·이용 기간|연락처|이전 근거|거부 방법 및 거부 시 효과",
    ),
    # Rights.
    "rights.intro": (
        "Data subjects may exercise the following rights against the Company at any time.",
        "정보주체는 회사에 대해 언제든지 다음의 개인정보 보호 관련 권리를 행사할 수 있습니다.",
    ),
    "right.access": ("Access to personal information", "개인정보 열람 요구"),
    "right.correction": ("Correction of personal information", "개인정보 정정 요구"),
    "right.deletion": ("Deletion of personal information", "개인정보 삭제 요구"),
    "right.restriction": ("Suspension of processing", "개인정보 처리정지 요구"),
    "right.objection": ("Objection to processing", "개인정보 처리에 대한 이의 제기"),
    "right.portability": ("Data portability", "개인정보 전송 요구"),
    "right.withdraw_consent": ("Withdrawal of consent", "동의 철회"),
    "right.opt_out_sale": (
        "Opting out of the sale or sharing of personal information",
        "개인정보 판매·공유 거부",
    ),
    "right.limit_sensitive": (
        "Limiting the use of sensitive personal information",
        "민감정보 이용 제한 요구",
    ),
    "right.automated_decision": (
        "Refusing, or asking for an explanation of, automated decisions",
        "자동화된 결정에 대한 거부 또는 설명 요구",
    ),
    "rights.how": ("How to exercise your rights", "권리 행사 방법"),
    "rights.how.intro": (
        "Rights may be exercised through any of the channels below; the Company acts on "
        "requests without delay.",
        "권리 행사는 아래의 방법으로 하실 수 있으며, 회사는 이에 대해 지체 없이 조치하겠습니다.",
    ),
    "rights.channels": ("Where to send requests", "권리 행사 창구"),
    "rights.headers": ("Channel|Address|Notes", "방법|연락처|비고"),
    "channel.email": ("E-mail", "전자우편"),
    "channel.phone": ("Telephone", "전화"),
    "channel.letter": ("Letter", "서면"),
    "channel.fax": ("Fax", "모사전송(팩스)"),
    "channel.web": ("Website", "웹사이트"),
    "channel.in_product": ("Within the service", "서비스 내 메뉴"),
    "rights.freeze": (
        "While a request to correct or delete personal information is being handled, the "
        "information concerned is neither used nor provided to anyone.",
        "정보주체가 개인정보의 정정 또는 삭제를 요구한 경우에는 정정 또는 삭제를 완료할 "
        "때까지 당해 개인정보를 이용하거나 제공하지 않습니다.",
    ),
    "agents.title": ("Exercising rights through an agent", "대리인을 통한 권리 행사"),
    "agents.allowed": (
        "Rights may also be exercised through an agent, such as a legal representative or a "
        "person authorised by the data subject.",
        "정보주체의 법정대리인이나 위임을 받은 자 등 대리인을 통하여 권리를 행사할 수도 있습니다.",
    ),
    "agents.document": (
        "What the agent must submit: {document}",
        "대리인 제출 서류: {document}",
    ),
    "agents.refused": (
        "Rights must be exercised by the data subject in person.",
        "권리는 정보주체 본인이 직접 행사하여야 합니다.",
    ),
    "rights.limits": ("Limits on these rights", "권리 행사의 제한"),
    # Children.
    "children.caption": ("Age limits", "연령 기준"),
    "children.headers": (
        "Law|Minimum age|Below the minimum age",
        "적용 법령|기준 연령|기준 연령 미만인 경우",
    ),
    "age": ("{n} years", "만 {n}세"),
    "under_age.refuse": ("Personal information is not collected", "개인정보를 수집하지 않음"),
    "under_age.guardian_consent": (
        "Collected only with the consent of a parent or legal guardian",
        "법정대리인의 동의를 받아 수집",
    ),
    "children.retention": ("Retention of children's information", "아동 개인정보의 보유"),
    # Safety.
    "safety.intro": (
        "The Company takes the following measures to ensure the safety of personal information.",
        "회사는 개인정보의 안전성 확보를 위해 다음과 같은 조치를 취하고 있습니다.",
    ),
    "safety.managerial": ("Managerial measures", "관리적 조치"),
    "safety.technical": ("Technical measures", "기술적 조치"),
    "safety.physical": ("Physical measures", "물리적 조치"),
    "access_log.title": ("Access records", "접속기록의 보관 및 위·변조 방지"),
    "access_log.tamper": (
        "Records of access to the systems that process personal information are kept for at "
        "least {period} and protected so that they cannot be forged or altered.",
        "개인정보처리시스템에 접속한 기록을 최소 {period} 이상 보관·관리하며, 접속기록이 "
        "위조·변조되지 않도록 보호합니다.",
    ),
    "access_log.kept": (
        "Records of access to the systems that process personal information are kept for at "
        "least {period}.",
        "개인정보처리시스템에 접속한 기록을 최소 {period} 이상 보관·관리합니다.",
    ),
    # Cookies.
    "cookies.none": (
        "The Company does not install or operate automatic collection devices such as cookies.",
        "회사는 쿠키 등 개인정보 자동 수집 장치를 설치·운영하지 않습니다.",
    ),
    "cookies.intro": (
        "The Company installs and operates the following automatic collection devices, such "
        "as cookies, which store usage information and read it back.",
        "회사는 이용 정보를 저장하고 수시로 불러오는 쿠키(cookie) 등 자동 수집 장치를 다음과 "
        "같이 설치·운영합니다.",
    ),
    "cookies.caption": ("Cookies and similar technologies", "쿠키 등 자동 수집 장치"),
    "cookies.headers": (
        "Name|Type|Provider|Category|Purpose|Duration",
        "이름|유형|제공자|분류|사용 목적|보존 기간",
    ),
    "first_party": ("The Company (first party)", "회사 (자사)"),
    "session": ("Until the browser session ends", "브라우저 종료 시까지"),
    "tracker.cookie": ("Cookie", "쿠키"),
    "tracker.pixel": ("Pixel tag", "픽셀 태그"),
    "tracker.local_storage": ("Local storage", "로컬 스토리지"),
    "tracker.sdk": ("SDK", "SDK"),
    "tracker_category.essential": ("Strictly necessary", "필수"),
    "tracker_category.functional": ("Functional", "기능"),
    "tracker_category.analytics": ("Analytics", "분석"),
    "tracker_category.marketing": ("Marketing", "마케팅"),
    "cookies.refuse": ("How to refuse cookies", "쿠키 저장을 거부하는 방법"),
    "cookies.if_refused": ("If you refuse", "거부 시 영향"),
    # Breach.
    "breach.both": (
        "If personal information is leaked, lost or stolen, the Company notifies the data "
        "subjects concerned and reports it to the competent authorities without delay.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 지체 없이 해당 정보주체에게 그 "
        "사실을 알리고 관계 기관에 신고합니다.",
    ),
    "breach.subjects": (
        "If personal information is leaked, lost or stolen, the Company notifies the data "
        "subjects concerned without delay.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 지체 없이 해당 정보주체에게 그 "
        "사실을 알립니다.",
    ),
    "breach.regulators": (
        "If personal information is leaked, lost or stolen, the Company reports it to the "
        "competent authorities without delay.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 지체 없이 관계 기관에 신고합니다.",
    ),
    "breach.law": (
        "If personal information is leaked, lost or stolen, the Company acts as the "
        "applicable law requires.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 관계 법령에 따라 조치합니다.",
    ),
    "breach.channels": ("Notification channels: {text}", "통지 방법: {text}"),
    # CCPA.
    "ccpa.intro": (
        "This section applies to residents of California. In the preceding 12 months the "
        "Company has collected the following categories of personal information.",
        "이 조항은 미국 캘리포니아주 거주자에게 적용됩니다. 회사는 지난 12개월 동안 다음 "
        "범주의 개인정보를 수집하였습니다.",
    ),
    "ccpa.sources": ("Sources of personal information", "개인정보의 수집 출처"),
    "ccpa.purposes": ("Business purposes", "수집·이용의 사업 목적"),
    "ccpa.third_parties": (
        "Categories of third parties that receive personal information",
        "개인정보를 제공받는 제3자의 범주",
    ),
    "ccpa.sale": ("Sale and sharing of personal information", "개인정보의 판매 및 공유"),
    "ccpa.sells": (
        "The Company sells or shares personal information. You may opt out at any time.",
        "회사는 개인정보를 판매하거나 공유합니다. 정보주체는 언제든지 이를 거부(opt-out)할 수 "
        "있습니다.",
    ),
    "ccpa.no_sale": (
        "The Company does not sell or share personal information.",
        "회사는 개인정보를 판매하거나 공유하지 않습니다.",
    ),
    # Contacts and remedies.
    "officer.intro": (
        "The Company has designated the privacy officer below, who is responsible for the "
        "processing of personal information and handles data subjects' complaints and "
        "requests for remedies.",
        "회사는 개인정보 처리에 관한 업무를 총괄해서 책임지고, 개인정보 처리와 관련한 "
        "정보주체의 불만처리 및 피해구제 등을 위하여 아래와 같이 개인정보 보호책임자를 "
        "지정하고 있습니다.",
    ),
    "officer.caption": ("Privacy officer and departments", "개인정보 보호책임자 및 담당부서"),
    "officer.headers": (
        "Role|Name|Title|Department|Telephone|E-mail",
        "구분|성명|직책|부서|전화번호|전자우편",
    ),
    "role.officer": ("Privacy officer", "개인정보 보호책임자"),
    "role.department": ("Department in charge", "담당부서"),
    "role.representative": ("Representative", "대리인"),
    "officer.contact": (
        "You may contact the privacy officer and the departments above with any inquiry, "
        "complaint or request for remedy concerning personal information. The Company "
        "answers without delay.",
        "정보주체는 회사의 서비스를 이용하면서 발생한 모든 개인정보 보호 관련 문의, "
        "불만처리, 피해구제 등에 관한 사항을 개인정보 보호책임자 및 담당부서로 문의하실 수 "
        "있습니다. 회사는 정보주체의 문의에 대해 지체 없이 답변 및 처리하겠습니다.",
    ),
    "remedies.intro": (
        "To seek a remedy for an infringement of personal information, data subjects may "
        "apply for dispute resolution or consultation to the bodies below, which are "
        "independent of the Company.",
        "정보주체는 개인정보침해로 인한 구제를 받기 위하여 아래의 기관에 분쟁해결이나 상담 "
        "등을 신청할 수 있습니다. 아래의 기관은 회사와는 별개의 기관입니다.",
    ),
    "remedies.none": (
        "Data subjects may lodge a complaint with the competent supervisory authority.",
        "정보주체는 관할 감독기관에 민원을 제기할 수 있습니다.",
    ),
    "remedies.caption": ("Bodies that offer remedies", "권익침해 구제 기관"),
    "remedies.headers": (
        "Body|Role|Telephone|Website|Address",
        "기관|업무|전화번호|홈페이지|주소",
    ),
    # Changes.
    "changes.effective": (
        "This privacy policy (version {version}) takes effect on {date}.",
        "이 개인정보 처리방침(버전 {version})은 {date}부터 적용됩니다.",
    ),
    "changes.notice": (
        "Changes to this privacy policy are announced at least {days} before they take "
        "effect, and changes that significantly affect data subjects' rights at least "
        "{significant} before.",
        "개인정보 처리방침이 변경되는 경우 시행 {days} 전부터, 정보주체의 권리에 중요한 "
        "변경이 있는 경우에는 시행 {significant} 전부터 고지합니다.",
    ),
    "changes.significant_only": (
        "Changes to this privacy policy are announced no later than the day they take effect, "
        "and changes that significantly affect data subjects' rights at least {significant} "
        "before.",
        "개인정보 처리방침이 변경되는 경우 늦어도 시행일까지, 정보주체의 권리에 중요한 변경이 "
        "있는 경우에는 시행 {significant} 전부터 고지합니다.",
    ),
    "changes.on_effect": (
        "Changes to this privacy policy are announced no later than the day they take effect.",
        "개인정보 처리방침이 변경되는 경우 늦어도 시행일까지 고지합니다.",
    ),
    "changes.channel": ("Changes are announced through: {text}", "고지 방법: {text}"),
    "history.title": ("Amendment history", "개인정보 처리방침 변경 이력"),
    "history.caption": ("Versions of this privacy policy", "개인정보 처리방침의 버전별 시행일"),
    "history.headers": ("Version|Effective date|Summary", "버전|시행일|주요 내용"),
    "history.current": ("Current version", "현행"),
}
