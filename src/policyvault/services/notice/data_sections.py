"""The sections on what is collected, why, and for how long: purposes, items, retention,
destruction."""

from __future__ import annotations

from policyvault.domain.policy.data import Sensitivity
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.retention import RetentionRule
from policyvault.services.notice.model import Inline
from policyvault.services.notice.strings import UI_STRINGS
from policyvault.services.notice.writer import NoticeWriter


class DataSections(NoticeWriter):
    """Purposes, items, retention, destruction."""

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
            # The fideslang data use is a key for machines, not words for the notice.
            row = ((purpose.label.get(self.lang),), tuple(details), self.items(purpose.items))
            rows.append((*row, tuple(bases)))
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
        if rule.period is None:  # then the schema requires until
            return self.t("until", event=self.event(rule.until)) if rule.until else ""
        period = self.period(rule.period)
        if rule.from_ is not None:
            after = self.t("after", period=period, event=self.event(rule.from_))
        else:  # the policy does not say when the period starts: say only how long it is
            key = "period_alone" if rule.until is None else "after_period"
            after = self.t(key, period=period)
        if rule.until is not None:
            return self.t("until_or", event=self.event(rule.until), after=after)
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
                    (self.period(record.period),)
                    + (
                        (self.t("separate_from", event=self.event(record.separate_from)),)
                        if record.separate_from
                        else ()
                    ),
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
        approval = ""  # None: the policy names no approval step, and the notice none either
        if d.approval_required:
            key = f"approver.{d.approver}"
            approver = self.t(key) if key in UI_STRINGS else d.approver.replace("_", " ")
            approval = self.t("destruction.approval", approver=approver)
        elif d.approval_required is False:
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
