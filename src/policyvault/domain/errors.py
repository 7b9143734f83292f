"""The error tree. Every PolicyVault error has a stable ``code``; shells map codes to
HTTP statuses and exit codes in one table of their own, never here.

    PolicyVaultError
     ├── InvalidInput (ValueError)        bad input, nothing changed
     │    └── PolicyInvalid               a policy file failed its checks
     ├── NotFound (LookupError)
     └── Refused                          a rule refused an operation
          └── AccessDenied                no grant for the purpose, ...
"""

from __future__ import annotations


class PolicyVaultError(Exception):
    code = "error"


class InvalidInput(PolicyVaultError, ValueError):
    code = "invalid_input"


class PolicyInvalid(InvalidInput):
    code = "policy_invalid"


class NotFound(PolicyVaultError, LookupError):
    code = "not_found"


class Refused(PolicyVaultError):
    code = "refused"


class AccessDenied(Refused):
    """A rule of the policy refused access (reads report theirs as values, not errors)."""

    code = "access_denied"
