"""How the request desk runs: figures that are company practice or configuration, not law
(the law's figures live in ``policyvault.domain.requests.deadlines``). A vault's
``vault.json`` may override any of them in its ``requests`` section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from policyvault.domain.errors import InvalidInput


@dataclass(frozen=True)
class RequestSettings:
    public_url: str = "http://127.0.0.1:8000"  # where download and confirmation links point
    code_minutes: int = 15  # a one-time code lives this long
    code_attempts: int = 5  # wrong codes before the request is closed as unverified
    download_days: int = 7  # a package link lives this long, and works once
    fallback_days: int = 30  # due date where no jurisdiction's rule covers the request kind
    alert_days: int = 3  # the officer is alerted this many days before a request is due
    forward_attempts: int = 5  # sends (and reminders) to a recipient before escalating
    forward_reminder_hours: int = 24  # between reminders to a recipient that has not confirmed
    outbox_attempts: int = 8  # delivery attempts of one message before it is reported failed
    records_months: int = 24  # request records kept at least (CCPA 11 CCR §7101)

    @property
    def code_ttl(self) -> timedelta:
        return timedelta(minutes=self.code_minutes)

    @property
    def download_ttl(self) -> timedelta:
        return timedelta(days=self.download_days)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> RequestSettings:
        settings = cls()
        if not values:
            return settings
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InvalidInput(f"unknown request settings: {', '.join(unknown)}")
        for name, value in values.items():
            expected = str if name == "public_url" else int
            if not isinstance(value, expected) or isinstance(value, bool):
                raise InvalidInput(f"request setting {name!r} must be {expected.__name__}")
            if isinstance(value, int) and value < 1:
                raise InvalidInput(f"request setting {name!r} must be at least 1")
        if int(values.get("records_months", 24)) < 24:
            raise InvalidInput("request records are kept at least 24 months (11 CCR §7101)")
        return replace(settings, **dict(values))
