"""``policyvault subject consent|object|restrict|lift``: a subject's choices, recorded by
staff. Each takes effect on the very next read."""

from __future__ import annotations

from typing import Annotated

import typer

from policyvault.cli.arguments import comma_list, consent_category
from policyvault.cli.exit_codes import BAD_INPUT
from policyvault.cli.shell import (
    ActorId,
    Channel,
    Home,
    NoticeHash,
    Role,
    SubjectId,
    fail,
    opened,
    out,
    reported,
)
from policyvault.domain.audit import Actor
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.vault import LimitKind, ProcessingLimit
from policyvault.services.vault import Evidence

LimitPurpose = Annotated[
    str | None,
    typer.Option(
        "--purpose", help="Only this purpose (default: every purpose).", show_default=False
    ),
]


def consent(
    subject_id: SubjectId,
    give: Annotated[bool, typer.Option("--give/--withdraw", help="Give or withdraw the consent.")],
    category: Annotated[
        str,
        typer.Option(
            "--category",
            help=f"One of: {', '.join(c.value for c in ConsentCategory)}.",
            show_default=False,
        ),
    ],
    purposes: Annotated[
        str, typer.Option("--purposes", help="Purposes, comma-separated.", show_default=False)
    ],
    actor: ActorId,
    channel: Channel = "staff",
    notice_hash: NoticeHash = "",
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Give or withdraw one separate consent (withdrawing is as easy as giving)."""
    with reported(), opened(home) as runtime:
        kind = consent_category(category, "--category")
        change = runtime.vault.give_consent if give else runtime.vault.withdraw_consent
        event = change(
            subject_id,
            kind,
            comma_list(purposes, "--purposes"),
            Evidence(channel=channel, notice_hash=notice_hash),
            Actor(actor, role),
        )
    out.print(
        f"{event.category.value} consent {event.action.value} for {', '.join(event.purposes)} "
        f"at {event.at.isoformat(timespec='seconds')}",
        markup=False,
    )


def object_(
    subject_id: SubjectId,
    actor: ActorId,
    marketing: Annotated[
        bool, typer.Option("--marketing", help="An objection to direct marketing (always wins).")
    ] = False,
    purpose: LimitPurpose = None,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Record the subject's objection to processing (or, with --marketing, to direct
    marketing). Prints the limit's id, for `lift`."""
    if marketing and purpose is not None:
        fail(
            BAD_INPUT,
            "error: an objection to marketing covers every marketing purpose: drop --purpose",
        )
    with reported(), opened(home) as runtime:
        who = Actor(actor, role)
        if marketing:
            limit = runtime.vault.object_to_marketing(subject_id, who)
        else:
            limit = runtime.vault.object(subject_id, who, purpose)
    _print_limit(limit)


def restrict(
    subject_id: SubjectId,
    actor: ActorId,
    purpose: LimitPurpose = None,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Restrict processing of the subject's data. Prints the limit's id, for `lift`."""
    with reported(), opened(home) as runtime:
        limit = runtime.vault.restrict(subject_id, Actor(actor, role), purpose)
    _print_limit(limit)


def lift(
    subject_id: SubjectId,
    limit_id: Annotated[str, typer.Argument(metavar="LIMIT_ID", help="From `object`/`restrict`.")],
    actor: ActorId,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Lift a restriction or an objection."""
    with reported(), opened(home) as runtime:
        runtime.vault.lift(subject_id, limit_id, Actor(actor, role))
    out.print(f"lifted {limit_id}", markup=False)


def _print_limit(limit: ProcessingLimit) -> None:
    if limit.kind is LimitKind.marketing_objection:
        scope = "direct marketing"
    else:
        scope = limit.purpose or "every purpose"
    out.print(f"{limit.kind.value} {limit.id} ({scope}) recorded", markup=False)
