"""How sure the vault must be of who asks, by request kind and jurisdiction.

- CCPA opt-outs (sale or sharing, sensitive data) need no verification (11 CCR §7026(a)(2),
  §7027): the vault acts as soon as it knows which subject is meant.
- Everything else needs a one-time code sent to a contact already on file, or a subject
  signed in to the controller's service (CCPA §7061: an account holder re-authenticates).
- For a CCPA consumer without a sign-in, a request for specific pieces of data (access,
  portability) needs more: further data points matching what the vault holds and a
  declaration under penalty of perjury (§7062(c)); a deletion needs one more data point
  (§7062(d): the degree depends on the data; one more point is this vault's choice).
- An agent's request rests on the document the privacy officer accepts (PIPA Art 38, Decree
  46; §7063), not on a code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policyvault.domain.requests.model import RequestKind

NO_VERIFICATION = frozenset({RequestKind.opt_out_sale, RequestKind.limit_sensitive})
SPECIFIC_PIECES = frozenset({RequestKind.access, RequestKind.portability})


@dataclass(frozen=True)
class VerificationNeed:
    code: bool  # a one-time code to a contact on file (or a signed-in subject)
    extra_data_points: int = 0  # further matching values, without a sign-in
    declaration: bool = False  # a declaration under penalty of perjury, without a sign-in

    @property
    def strength(self) -> str:
        if not self.code:
            return "none"
        if self.extra_data_points or self.declaration:
            return "high"
        return "standard"


def verification_need(kind: RequestKind, jurisdictions: Sequence[str]) -> VerificationNeed:
    if kind in NO_VERIFICATION:
        return VerificationNeed(code=False)
    if "us-ccpa" in jurisdictions:
        if kind in SPECIFIC_PIECES:
            return VerificationNeed(code=True, extra_data_points=2, declaration=True)
        if kind is RequestKind.deletion:
            return VerificationNeed(code=True, extra_data_points=1)
    return VerificationNeed(code=True)
