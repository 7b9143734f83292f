"""Reading retention tasks a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from policyvault.domain.retention import RetentionTask, TaskStatus
from policyvault.services.ports import VaultSession


def all_tasks(
    session: VaultSession,
    statuses: Sequence[TaskStatus],
    *,
    batch_id: str | None = None,
    ended_by: datetime | None = None,
    page: int = 1000,
) -> list[RetentionTask]:
    found: list[RetentionTask] = []
    after: str | None = None
    while True:
        rows = session.find_tasks(
            statuses, batch_id=batch_id, ended_by=ended_by, after_id=after, limit=page
        )
        if not rows:
            return found
        found.extend(rows)
        after = rows[-1].id
