"""The sections on what the notice promises besides data and retention: rights, children,
safety, cookies, breaches, CCPA disclosures, changes."""

from __future__ import annotations

from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.notice import SafetyKind
from policyvault.services.notice.model import Cell
from policyvault.services.notice.values import _contact_link
from policyvault.services.notice.writer import NoticeWriter


class PromiseSections(NoticeWriter):
    """Rights, children, safety, cookies, breaches, CCPA disclosures, changes."""

    def rights_section(self) -> None:
        rights = self.policy.rights
        channels = []
        for c in rights.channels:
            address: Cell = ()
            if c.address:
                address = (_contact_link(c.address) if c.kind.value == "email" else c.address,)
            channels.append(((self.t(f"channel.{c.kind.value}"),), address, self.lines(c.note)))
        # Each promise is stated only when the policy states it, either way.
        document = (
            self.t("agents.document", document=self.text(rights.agent_document))
            if rights.agent_document is not None
            else ""
        )
        agents = {
            True: self.para(self.t("agents.allowed"), document),
            False: self.para(self.t("agents.refused")),
            None: self.para(document),
        }[rights.agents_allowed]
        freeze = {True: "rights.freeze", False: "rights.no_freeze", None: ""}[
            rights.freeze_while_pending
        ]
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
                self.para(self.t(freeze)) if freeze else None,
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
        access_log = None  # None: the policy says nothing about access logs, nor the notice
        if log is not None:
            key, title = {
                True: ("access_log.tamper", "access_log.title_tamper"),
                False: ("access_log.unprotected", "access_log.title"),
                None: ("access_log.kept", "access_log.title"),
            }[log.tamper_evident]
            access_log = self.sub(
                "safety-access-log",
                self.t(title),
                self.para(
                    self.t(key, period=self.period(log.retention)), self.text(log.description)
                ),
            )
        self.add(
            "safety",
            self.t("s.safety"),
            self.para(self.t("safety.intro")) if groups else None,
            *groups,
            access_log,
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
                duration = self.t("not_stated")
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
                None
                if ccpa.sells_or_shares is None  # not stated: nothing is said either way
                else self.para(self.t("ccpa.sells" if ccpa.sells_or_shares else "ccpa.no_sale")),
            ),
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
