"""The one place that wires storage, keys and the clock from settings (grows with the vault)."""

from __future__ import annotations

from policyvault.domain.clock import Clock, SystemClock


def production_clock() -> Clock:
    return SystemClock()
