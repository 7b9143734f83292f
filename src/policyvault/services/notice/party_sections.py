"""The sections on who receives the data and whom subjects can turn to: provision,
entrustment, overseas transfer, the privacy officer, remedies."""

from __future__ import annotations

from policyvault.domain.policy.parties import Person, Processor
from policyvault.services.notice.model import Cell, Inline, Link
from policyvault.services.notice.values import _contact_link, _web_href
from policyvault.services.notice.writer import NoticeWriter


class PartySections(NoticeWriter):
    """Provision, entrustment, overseas transfer, the privacy officer, remedies."""

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
        """A stated country other than the controller's stated one. A processor whose country
        is not stated is listed with the entrustments, its country shown as not stated."""
        home = self.policy.controller.country
        return home is not None and any(c != home for c in processor.countries)

    def entrustment_section(self) -> None:
        rows = [
            (
                (p.name,),
                (p.task.get(self.lang),),
                self.items(p.items),
                self.countries(p.countries),
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
            # The basis of a transfer is a required disclosure (PIPA Art 28-8(1)): say so when
            # the policy does not state it.
            basis: Cell = (self.t("not_stated"),)
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
