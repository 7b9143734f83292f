"""``build_notice``: the whole notice for one language, its sections in the order of a
Korean 개인정보 처리방침."""

from __future__ import annotations

import re
from collections.abc import Sequence

from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.text import Language
from policyvault.services.notice.data_sections import DataSections
from policyvault.services.notice.model import Link, MetaLine, Notice, Paragraph
from policyvault.services.notice.party_sections import PartySections
from policyvault.services.notice.promise_sections import PromiseSections
from policyvault.services.notice.values import _web_href


def build_notice(policy: Policy, lang: Language) -> Notice:
    """The notice for one language as a document tree, every string resolved."""
    return _NoticeBuilder(policy, lang).build()


class _NoticeBuilder(DataSections, PartySections, PromiseSections):
    """The notice: every section group's sections in order, then the title, meta lines
    and intro."""

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
            intro=(
                Paragraph(
                    self.t("intro", controller=self.defined(controller), laws=self.join(laws))
                ),
            ),
            contents_label=self.t("contents"),
            empty="—",
            sections=tuple(self._sections),
        )

    def join(self, words: Sequence[str]) -> str:
        if self.lang == "ko" or len(words) < 2:
            return ", ".join(words)
        return ", ".join(words[:-1]) + " and " + words[-1]
